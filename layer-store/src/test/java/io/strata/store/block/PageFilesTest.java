package io.strata.store.block;

import io.strata.core.host.Host;
import io.strata.store.block.blocks.Unit;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.pages.PageFiles;
import org.junit.jupiter.api.Test;
import org.rocksdb.RocksIterator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paged unit values: the bytes of a large file's units live in page files (DB/pages/GEN/INO), RocksDB keeps their
 * headers. Checked here on real RocksDB and real page files: where the bytes are, that a frozen generation's file
 * never changes, that space goes with generations and pruned pages, that a store written with inline values only
 * (format version 2) reads and takes writes, and that the df counters do not depend on where the bytes are.
 */
class PageFilesTest {
    private static final int MIB = 1 << 20;

    /** A store whose units from `from` on are paged (Long.MAX_VALUE: all inline, as format version 2 wrote them). */
    static BlockStore open(Path db, long from) throws Exception {
        String old = System.getProperty("strata.store.pageFilesFrom");
        System.setProperty("strata.store.pageFilesFrom", Long.toString(from));
        try {
            return BlockStore.open(db, MemoryBudget.SMALL);
        } finally {
            if (old == null) System.clearProperty("strata.store.pageFilesFrom");
            else System.setProperty("strata.store.pageFilesFrom", old);
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void writeAll(BlockLayer l, long ino, long off, byte[] b) throws Exception {
        for (int at = 0; at < b.length; at += 128 * 1024) l.write(ino, off + at, b, at, Math.min(128 * 1024, b.length - at));
    }

    /** Sum of the blocks family's value lengths of one generation. */
    private static long valueBytes(BlockStore s, long gen) {
        long total = 0;
        byte[] lo = Keys.genPrefix(gen), hi = Keys.genPrefix(gen + 1);
        try (RocksIterator it = s.db().rocks().newIterator(s.db().blocks)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) total += it.value().length;
        }
        return total;
    }

    @Test
    void aLargeWriteKeepsItsBytesInThePageFileNotInRocksDb() throws Exception {
        Path dir = TempDirs.create("pages");
        try (BlockStore s = open(dir.resolve("db"), StoreDb.PAGE_FILES_FROM)) {
            s.createContainer("c", "");
            long gen = s.container("c").head();
            byte[] data = random(MIB, 1);
            try (BlockLayer l = s.openLayer("c")) {
                long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                writeAll(l, f, 0, data);
                l.fsync(f, false);
                int units = MIB / BlockStore.DEFAULT_UNIT, inline = (int) (StoreDb.PAGE_FILES_FROM / BlockStore.DEFAULT_UNIT);
                long expected = (long) inline * (Unit.HEADER + BlockStore.DEFAULT_UNIT) + (long) (units - inline) * Unit.HEADER;
                assertEquals(expected, valueBytes(s, gen), "RocksDB holds headers only past the first 64 KiB");
                Path file = s.db().pages().file(gen, f);
                assertEquals(MIB, Files.size(file));
                assertArrayEquals(Arrays.copyOfRange(data, (int) StoreDb.PAGE_FILES_FROM, MIB),
                        Arrays.copyOfRange(Files.readAllBytes(file), (int) StoreDb.PAGE_FILES_FROM, MIB));
                assertArrayEquals(data, BlockMapModelTest.readAll(l, f));
                assertEquals(MIB + (long) units * Unit.HEADER, s.df().totalStored(), "df counts the bytes wherever they are");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aSnapshotsPageFileDoesNotChangeWhenTheHeadIsWritten() throws Exception {
        Path dir = TempDirs.create("pages-frozen");
        try (BlockStore s = open(dir.resolve("db"), 0)) {
            s.createContainer("c", "");
            byte[] before = random(MIB, 2), after = random(MIB, 3);
            try (BlockLayer l = s.openLayer("c")) {
                long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                writeAll(l, f, 0, before);
                long frozen = s.container("c").head();
                s.createSnapshot("c", "s1");
                Path file = s.db().pages().file(frozen, f);
                byte[] onDisk = Files.readAllBytes(file);
                l.write(f, 5000, new byte[]{9}, 0, 1); // a partial page: completed from the snapshot's file
                writeAll(l, f, 8192, Arrays.copyOfRange(after, 8192, MIB));
                l.truncate(f, 300_000);
                l.fallocate(f, 3, 10_000, 50_000);
                assertArrayEquals(onDisk, Files.readAllBytes(file), "the frozen generation's page file");
                assertArrayEquals(before, onDisk);
                try (BlockLayer v = s.openSnapshot("c", "s1")) {
                    assertArrayEquals(before, BlockMapModelTest.readAll(v, f));
                }
                byte[] want = Arrays.copyOf(after, 300_000);
                System.arraycopy(before, 0, want, 0, 8192);
                want[5000] = 9;
                Arrays.fill(want, 10_000, 60_000, (byte) 0);
                assertArrayEquals(want, BlockMapModelTest.readAll(l, f));
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void pageFilesGoWithTheirGenerations() throws Exception {
        Path dir = TempDirs.create("pages-gc");
        try (BlockStore s = open(dir.resolve("db"), 0)) {
            s.createContainer("c", "");
            long g1, g2;
            try (BlockLayer l = s.openLayer("c")) {
                long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                writeAll(l, f, 0, random(MIB, 4));
                g1 = s.container("c").head();
                s.createSnapshot("c", "s1");
                g2 = s.container("c").head();
                writeAll(l, f, 0, random(MIB / 2, 5)); // hides half of s1's pages
                Path file = s.db().pages().file(g1, f);
                long allocated = Host.lstat(file.toString()).blocks();
                s.removeSnapshot("c", "s1"); // prune: the pages the head overwrote go, as holes
                long left = Host.lstat(file.toString()).blocks();
                assertTrue(left * 512 <= allocated * 512 - MIB / 2 + 64 * 1024, "punched: " + allocated + " -> " + left + " blocks");
                long g = l.create(l.rootIno(), "g", 0100644, 0, 0, 0).ino();
                writeAll(l, g, 0, random(MIB, 6));
                assertTrue(Files.exists(s.db().pages().file(g2, g)));
                l.unlink(l.rootIno(), "g");
                assertFalse(Files.exists(s.db().pages().file(g2, g)), "an unlinked file's page file goes with it");
            }
            assertTrue(s.db().pages().gens().contains(g2));
            s.removeContainer("c");
            assertEquals(java.util.Set.of(), s.db().pages().gens(), "the dropped generations' page directories");
            // a crash between a drop's batch and the deletion of its directory: gc deletes it
            Files.createDirectories(s.db().pages().dir().resolve(Long.toString(g1)));
            Files.write(s.db().pages().dir().resolve(g1 + "/7"), new byte[4096]);
            s.gc();
            assertEquals(java.util.Set.of(), s.db().pages().gens(), "gc removes the page directories of dropped generations");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aHeadAboutToBeDroppedLeavesNoDirectoryOfItsOwnToSync() throws Exception {
        Path dir = TempDirs.create("pages-skip");
        try (BlockStore s = open(dir.resolve("db"), 0)) {
            PageFiles pages = s.db().pages();
            s.createContainer("a", "");
            s.createContainer("b", "");
            try (BlockLayer l = s.openLayer("a")) {
                writeAll(l, l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino(), 0, random(MIB, 7));
            }
            s.createSnapshot("a", "s"); // a synced batch: every new directory entry so far is synced
            assertEquals(Set.of(), pages.pendingDirs());
            long a = s.container("a").head(), b = s.container("b").head();
            try (BlockLayer l = s.openLayer("a")) {
                writeAll(l, l.create(l.rootIno(), "g", 0100644, 0, 0, 0).ino(), 0, random(MIB, 8));
            }
            Set<Path> aNew = Set.of(pages.dir(), pages.dir().resolve(Long.toString(a)));
            assertEquals(aNew, pages.pendingDirs(), "a's new head directory, and its entry in the pages directory");
            Runnable unskip = pages.skipSync(a);
            assertEquals(Set.of(), pages.pendingDirs(), "a head about to be dropped: neither directory is synced for it");
            unskip.run();
            assertEquals(aNew, pages.pendingDirs(), "a drop that does not happen puts them back");
            try (BlockLayer l = s.openLayer("b")) {
                writeAll(l, l.create(l.rootIno(), "h", 0100644, 0, 0, 0).ino(), 0, random(MIB, 9));
            }
            unskip = pages.skipSync(a);
            assertEquals(Set.of(pages.dir(), pages.dir().resolve(Long.toString(b))), pages.pendingDirs(),
                    "b's new directory still needs its entry in the pages directory synced");
            unskip.run();
            s.restore("a", "s");
            assertEquals(Set.of(), pages.pendingDirs(), "the restore's synced batch synced b's");
            assertFalse(Files.exists(pages.dir().resolve(Long.toString(a))), "a's dropped head directory");
            try (BlockLayer l = s.openLayer("a")) {
                assertEquals(java.util.List.of("f"), l.readdir(l.rootIno()).stream().map(e -> e.name()).toList(), "a as at s");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** A store written with inline values only and format version 2 (what the code before page files wrote). */
    @Test
    void aStoreOfInlineValuesReadsAndTakesWrites() throws Exception {
        Path dir = TempDirs.create("pages-old");
        Path db = dir.resolve("db");
        byte[] a = random(MIB, 7), b = random(300_000, 8);
        long f;
        try {
            try (BlockStore s = open(db, Long.MAX_VALUE)) {
                s.createContainer("c", "");
                try (BlockLayer l = s.openLayer("c")) {
                    f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                    writeAll(l, f, 0, a);
                    s.createSnapshot("c", "s1");
                    writeAll(l, f, 100_000, b);
                }
                assertFalse(Files.exists(s.db().pages().dir()), "nothing paged");
                s.db().flush(); // the raw edit below opens RocksDB without the store's options: no WAL to replay
            }
            FormatTest.writeMeta(db, Keys.META_FORMAT, StoreDb.formatRecord(2));
            byte[] want = a.clone();
            System.arraycopy(b, 0, want, 100_000, b.length);
            try (BlockStore s = BlockStore.openExisting(db, MemoryBudget.SMALL)) {
                assertArrayEquals(StoreDb.formatRecord(StoreDb.FORMAT_VERSION), s.db().get(s.db().meta, Keys.META_FORMAT));
                try (BlockLayer l = s.openLayer("c"); BlockLayer v = s.openSnapshot("c", "s1")) {
                    assertArrayEquals(want, BlockMapModelTest.readAll(l, f));
                    assertArrayEquals(a, BlockMapModelTest.readAll(v, f));
                    l.write(f, 200_001, new byte[]{1, 2, 3}, 0, 3); // an inline head value becomes paged
                    writeAll(l, f, 500_000, b);
                    want[200_001] = 1;
                    want[200_002] = 2;
                    want[200_003] = 3;
                    System.arraycopy(b, 0, want, 500_000, b.length);
                    assertArrayEquals(want, BlockMapModelTest.readAll(l, f));
                    assertArrayEquals(a, BlockMapModelTest.readAll(v, f));
                    long head = s.container("c").head();
                    assertTrue(Unit.isPaged(s.db().get(s.db().blocks, Keys.block(head, f, 200_001 / BlockStore.DEFAULT_UNIT))),
                            "the head's inline value was rewritten paged");
                    assertFalse(Unit.isPaged(s.db().get(s.db().blocks, Keys.block(head - 1, f, 200_001 / BlockStore.DEFAULT_UNIT))),
                            "s1's stays inline");
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The same random changes on a store with inline values and on one with paged values: same bytes, same counters. */
    @Test
    void countersDoNotDependOnWhereTheBytesAre() throws Exception {
        Path dir = TempDirs.create("pages-counters");
        try (BlockStore in = open(dir.resolve("inline"), Long.MAX_VALUE); BlockStore pg = open(dir.resolve("paged"), 0)) {
            BlockStore[] both = {in, pg};
            for (BlockStore s : both) s.createContainer("c", "");
            long f = 0;
            BlockLayer[] ls = {in.openLayer("c"), pg.openLayer("c")};
            for (BlockLayer l : ls) f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
            Random rnd = new Random(11);
            java.util.List<String> snaps = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int op = rnd.nextInt(100);
                long off = rnd.nextInt(2 * MIB);
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(300_000) + 1 : rnd.nextInt(9000) + 1;
                long size = rnd.nextInt(MIB);
                byte[] data = random(len, i);
                String gone = snaps.isEmpty() ? null : snaps.get(rnd.nextInt(snaps.size()));
                for (int k = 0; k < 2; k++) {
                    BlockLayer l = ls[k];
                    BlockStore s = both[k];
                    if (op < 60) l.write(f, off, data, 0, len);
                    else if (op < 70) l.truncate(f, size);
                    else if (op < 80) l.fallocate(f, 3, off, len);
                    else if (op < 88) s.createSnapshot("c", "s" + i);
                    else if (op < 95 && gone != null) s.removeSnapshot("c", gone);
                    else s.gc();
                }
                if (op >= 80 && op < 88) snaps.add("s" + i);
                else if (op >= 80 && op < 95 && gone != null) snaps.remove(gone);
                assertEquals(counters(in), counters(pg), "counters after op " + i);
                if (i % 20 == 0) assertArrayEquals(BlockMapModelTest.readAll(ls[0], f), BlockMapModelTest.readAll(ls[1], f), "op " + i);
            }
            assertArrayEquals(BlockMapModelTest.readAll(ls[0], f), BlockMapModelTest.readAll(ls[1], f));
            assertEquals(in.df().totalStored(), pg.df().totalStored());
            for (BlockLayer l : ls) l.close();
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static TreeMap<String, Long> counters(BlockStore s) throws Exception {
        TreeMap<String, Long> out = new TreeMap<>();
        try (RocksIterator it = s.db().rocks().newIterator(s.db().counters)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long v = Keys.counterValue(it.value());
                if (v != 0) out.put(Keys.gen(it.key()) + "/" + it.key()[8], v);
            }
        }
        return out;
    }
}
