package io.strata.store.block;

import io.strata.core.host.Stat;
import io.strata.core.writable.WritableLayer.Entry;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.diff.Change;
import io.strata.store.block.gc.Collector;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.space.Space;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snapshots copy nothing; restore, clone, rm, diff, df and gc do what they say, checked on RocksDB's keys. */
class SnapshotsTest {
    private static long keys(BlockStore s) {
        long n = 0;
        for (var cf : List.of(s.db().inodes, s.db().dirents, s.db().blocks)) {
            try (RocksIterator it = s.db().rocks().newIterator(cf)) {
                for (it.seekToFirst(); it.isValid(); it.next()) n++;
            }
        }
        return n;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void snapshotCopiesNoKeysAndRestoreDropsOnlyTheHead() throws Exception {
        Path dir = TempDirs.create("snap");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            long ino;
            byte[] v1 = random(1 << 20, 1);
            try (BlockLayer l = s.openLayer("c")) {
                ino = l.create(l.rootIno(), "big", 0100644, 0, 0, 0).ino();
                l.write(ino, 0, v1, 0, v1.length);
            }
            long before = keys(s);
            s.createSnapshot("c", "s1");
            assertEquals(before, keys(s), "a snapshot copies no key");
            byte[] patch = random(10_000, 2);
            try (BlockLayer l = s.openLayer("c")) {
                l.write(ino, 500_000, patch, 0, patch.length);
                l.create(l.rootIno(), "new", 0100644, 0, 0, 0);
            }
            long withChanges = keys(s);
            assertTrue(withChanges > before && withChanges < before + 10, "changes stay small: " + withChanges);
            s.restore("c", "s1");
            assertEquals(before, keys(s), "restore drops exactly the head's keys");
            try (BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(v1, BlockMapModelTest.readAll(l, ino));
                assertEquals(List.of("big"), l.readdir(l.rootIno()).stream().map(Entry::name).toList());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void snapshotsOfAnUnchangedContainerDoNotDeepenItsChain() throws Exception {
        Path dir = TempDirs.create("idle");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            try (BlockLayer l = s.openLayer("c")) {
                l.create(l.rootIno(), "a", 0100644, 0, 0, 0);
                s.createSnapshot("c", "s1");
                int depth = s.point("c").depth();
                s.createSnapshot("c", "s2");
                s.createSnapshot("c", "s3");
                assertEquals(depth, s.point("c").depth(), "no writes between snapshots: no new generation");
                assertEquals(s.snapshot("c", "s1").gen(), s.snapshot("c", "s3").gen());
                l.create(l.rootIno(), "b", 0100644, 0, 0, 0);
                s.createSnapshot("c", "s4");
                assertEquals(depth + 1, s.point("c").depth());
            }
            s.removeSnapshot("c", "s1");
            try (BlockLayer v = s.openSnapshot("c", "s2")) {
                assertEquals(List.of("a"), v.readdir(v.rootIno()).stream().map(Entry::name).toList());
            }
            try (BlockLayer v = s.openSnapshot("c", "s4")) {
                assertEquals(List.of("a", "b"), v.readdir(v.rootIno()).stream().map(Entry::name).toList());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void clonesShareUntilWrittenAndDiffReportsAddChangeDelete() throws Exception {
        Path dir = TempDirs.create("clone");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "/lower");
            long a, b;
            try (BlockLayer l = s.openLayer("c")) {
                long etc = l.mkdir(l.rootIno(), "etc", 0755, 0, 0).ino();
                a = l.create(etc, "a", 0100644, 0, 0, 0).ino();
                b = l.create(l.rootIno(), "b", 0100644, 0, 0, 0).ino();
                l.write(a, 0, random(200_000, 3), 0, 200_000);
                l.write(b, 0, random(5000, 4), 0, 5000);
            }
            s.createSnapshot("c", "base");
            s.clone("c", "base", "k");
            long shared = keys(s);
            try (BlockLayer k = s.openLayer("k")) {
                k.write(a, 70_000, new byte[]{1}, 0, 1);
                k.unlink(k.rootIno(), "b");
                k.create(k.rootIno(), "c", 0100644, 0, 0, 0);
                k.whiteout(k.rootIno(), "fromlower");
            }
            assertTrue(keys(s) - shared < 10, "the clone wrote only what changed");
            try (BlockLayer c = s.openLayer("c")) {
                assertEquals(200_000, c.getattr(a).size());
                byte[] one = new byte[1];
                c.read(a, 70_000, one, 0, 1);
                assertEquals(random(200_000, 3)[70_000], one[0], "the source does not see the clone's write");
                assertEquals(5000, c.getattr(b).size());
            }
            List<String> d = s.diff("c@base", "k").stream().map(Change::toString).toList();
            assertEquals(List.of("D /b", "A /c", "C /etc/a", "D /fromlower"), d); // the root is never listed, as in docker diff
            List<String> all = s.diff(null, "c").stream().map(Change::toString).toList();
            assertEquals(List.of("A /b", "A /etc", "A /etc/a"), all);
            Space.Report df = s.df();
            Space.Usage k = df.containers().stream().filter(u -> u.name().equals("k")).findFirst().orElseThrow();
            // copy-on-write of a snapshot's data is per 4 KiB page
            assertTrue(k.exclusive() > 0 && k.exclusive() <= 4096 + 64, "clone's own bytes: one page: " + k.exclusive());
            assertTrue(k.shared() >= 200_000 - 70_000, "clone sees the base's data: " + k.shared());
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void removingSnapshotsAndContainersFreesWhatNothingUses() throws Exception {
        Path dir = TempDirs.create("gc");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            long ino;
            try (BlockLayer l = s.openLayer("c")) {
                ino = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                l.write(ino, 0, random(1 << 20, 5), 0, 1 << 20);
            }
            s.createSnapshot("c", "s1");
            byte[] v2 = random(1 << 20, 6);
            try (BlockLayer l = s.openLayer("c")) {
                l.write(ino, 0, v2, 0, v2.length); // overwrites every unit of s1
            }
            Space.Report df = s.df();
            Space.Usage s1 = df.snapshots().get(0);
            assertTrue(s1.exclusive() >= 1 << 20, "s1's data is all exclusive once overwritten: " + s1.exclusive());
            long total = df.totalStored();
            Collector.Report r = s.removeSnapshot("c", "s1");
            assertTrue(r.bytesFreed() >= 1 << 20, "rm s1 frees its overwritten data: " + r);
            assertTrue(s.df().totalStored() <= total - (1 << 20));
            try (BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(v2, BlockMapModelTest.readAll(l, ino));
            }
            s.createSnapshot("c", "s2");
            s.clone("c", "s2", "k");
            Collector.Report rc = s.removeContainer("c");
            try (BlockLayer k = s.openLayer("k")) {
                assertArrayEquals(v2, BlockMapModelTest.readAll(k, ino), "the clone keeps what it uses");
            }
            s.removeContainer("k");
            s.gc();
            assertEquals(0, keys(s), "nothing left once every container is gone; " + rc);
            assertEquals(0, s.df().totalStored());
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void oneByteIntoALowerBackedFileStoresOnePage() throws Exception {
        Path dir = TempDirs.create("origin");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            byte[] lower = random(8 << 20, 7);
            Path lf = dir.resolve("lower");
            Files.write(lf, lower);
            s.createContainer("c", "");
            try (BlockLayer l = s.openLayer("c")) {
                Stat st = new Stat(0, 0, 0100600, 1, 3, 4, 0, lower.length, 0, 4096, 1, 2, 3, 4, 5, 6);
                long ino = l.copyUpMetadata(l.rootIno(), "f", st, lf.toString()).ino();
                assertEquals(3, l.getattr(ino).mtimeSec());
                l.write(ino, 5_000_000, new byte[]{42}, 0, 1);
                lower[5_000_000] = 42;
                assertArrayEquals(lower, BlockMapModelTest.readAll(l, ino));
                long stored = s.df().containers().get(0).exclusive();
                assertTrue(stored <= 4096 + 64, "one page stored: " + stored);
                assertEquals(List.of("C /f"), s.diff(null, "c").stream().map(Change::toString).toList());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void truncateAcrossASnapshotWritesNoKeyPerUnitAndRmSnapshotFreesWhatItHid() throws Exception {
        Path dir = TempDirs.create("cut");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            long ino;
            byte[] v1 = random(4 << 20, 8);
            try (BlockLayer l = s.openLayer("c")) {
                ino = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                l.write(ino, 0, v1, 0, v1.length);
            }
            s.createSnapshot("c", "s1");
            byte[] tail = random(300_000, 9);
            try (BlockLayer l = s.openLayer("c")) {
                l.write(ino, 3 << 20, tail, 0, tail.length); // the head's own units beyond the cut
                long before = keys(s);
                l.truncate(ino, 10_000);
                assertTrue(keys(s) <= before + 2, "no key per unit dropped: " + before + " -> " + keys(s));
                long head = s.df().containers().get(0).exclusive();
                assertTrue(head <= 3 * 4096 + 64, "the head's units beyond the cut are freed: " + head);
                assertTrue(s.df().snapshots().get(0).exclusive() >= (4 << 20) - 3 * 4096, "s1's hidden data is exclusive");
                l.truncate(ino, 5 << 20);
                assertArrayEquals(grown(v1), BlockMapModelTest.readAll(l, ino), "grown again: zeros, not s1's units");
            }
            try (BlockLayer v = s.openSnapshot("c", "s1")) {
                assertArrayEquals(v1, BlockMapModelTest.readAll(v, ino), "the snapshot keeps its data");
            }
            Collector.Report r = s.removeSnapshot("c", "s1");
            assertTrue(r.bytesFreed() >= (4 << 20) - 3 * 4096, "rm s1 frees what the cut hid: " + r);
            try (BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(grown(v1), BlockMapModelTest.readAll(l, ino), "after the prune");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * The write path's shortcuts (a unit written whole is encoded at once; at or past EOF the head's value is not
     * read) store what page-by-page writes store: the same bytes, sizes and df counters, in the head and across a
     * snapshot, an overwrite of whole units inside the file, an append after a gap, and a restore.
     */
    @Test
    void appendedWholeUnitsCountAsPageByPageWrites() throws Exception {
        Path dir = TempDirs.create("whole");
        int unit = 16384;
        try (BlockStore s = BlockStore.open(dir.resolve("db"), unit, MemoryBudget.SMALL, null)) {
            s.createContainer("whole", "");
            s.createContainer("pages", "");
            BlockMapModelTest.Model model = new BlockMapModelTest.Model(new byte[0]);
            byte[] first = random(40 * unit + 1000, 11);
            long w, p;
            try (BlockLayer lw = s.openLayer("whole"); BlockLayer lp = s.openLayer("pages")) {
                w = lw.create(lw.rootIno(), "f", 0100644, 0, 0, 0).ino();
                p = lp.create(lp.rootIno(), "f", 0100644, 0, 0, 0).ino();
                writeBoth(lw, w, lp, p, model, 0, first);
                assertSame(s, lw, w, lp, p, model, "appended");
            }
            s.createSnapshot("whole", "s1");
            s.createSnapshot("pages", "s1");
            BlockMapModelTest.Model atS1 = model.copy();
            try (BlockLayer lw = s.openLayer("whole"); BlockLayer lp = s.openLayer("pages")) {
                writeBoth(lw, w, lp, p, model, 8L * unit, random(6 * unit, 12)); // whole units over s1's
                writeBoth(lw, w, lp, p, model, 10L * unit, random(2 * unit, 16)); // over the head's own
                writeBoth(lw, w, lp, p, model, 44L * unit, random(5 * unit, 13)); // past EOF, after a gap
                writeBoth(lw, w, lp, p, model, 49L * unit + 100, random(3 * unit, 14)); // unaligned, past EOF
                assertSame(s, lw, w, lp, p, model, "over a snapshot");
            }
            for (String c : List.of("whole", "pages")) {
                try (BlockLayer v = s.openSnapshot(c, "s1")) {
                    assertArrayEquals(atS1.data, BlockMapModelTest.readAll(v, c.equals("whole") ? w : p), c + "@s1");
                }
            }
            assertEquals(s.df().snapshots().get(0).exclusive(), s.df().snapshots().get(1).exclusive(), "s1 overwritten alike");
            s.restore("whole", "s1");
            s.restore("pages", "s1");
            try (BlockLayer lw = s.openLayer("whole"); BlockLayer lp = s.openLayer("pages")) {
                assertSame(s, lw, w, lp, p, atS1, "restored");
                model = atS1.copy();
                writeBoth(lw, w, lp, p, model, 41L * unit, random(2 * unit, 15)); // after the tail's unit
                assertSame(s, lw, w, lp, p, model, "appended after the restore");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** b at off: into lw's file in one write (whole units), into lp's file one page or less at a time. */
    private static void writeBoth(BlockLayer lw, long w, BlockLayer lp, long p, BlockMapModelTest.Model model,
                                  long off, byte[] b) throws Exception {
        lw.write(w, off, b, 0, b.length);
        for (int at = 0; at < b.length; ) {
            int len = (int) Math.min(b.length - at, 4096 - (off + at) % 4096);
            lp.write(p, off + at, b, at, len);
            at += len;
        }
        model.write(off, b);
    }

    private static void assertSame(BlockStore s, BlockLayer lw, long w, BlockLayer lp, long p,
                                   BlockMapModelTest.Model model, String when) throws Exception {
        assertEquals(model.data.length, lw.getattr(w).size(), when + ": size");
        assertEquals(model.data.length, lp.getattr(p).size(), when + ": size page by page");
        assertArrayEquals(model.data, BlockMapModelTest.readAll(lw, w), when);
        assertArrayEquals(model.data, BlockMapModelTest.readAll(lp, p), when + ", page by page");
        Space.Usage a = s.df().containers().get(0), b = s.df().containers().get(1);
        assertEquals(a.exclusive(), b.exclusive(), when + ": stored bytes " + a + " " + b);
        assertEquals(a.shared(), b.shared(), when + ": shared bytes " + a + " " + b);
    }

    /** v's first 10,000 bytes, then zeros up to 5 MiB. */
    private static byte[] grown(byte[] v) {
        byte[] want = new byte[5 << 20];
        System.arraycopy(v, 0, want, 0, 10_000);
        return want;
    }
}
