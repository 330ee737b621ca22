package io.strata.store.block;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.space.Space;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dropped generation's page directory leaves its place in the request (renamed into DB/pages/trash) and its files
 * are deleted in the background; an open clears what a crash, a kill -9 or a close left. Real RocksDB, real page
 * files.
 */
class TrashTest {
    private static final int MIB = 1 << 20;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void writeAll(BlockLayer l, long ino, long off, byte[] b) throws Exception {
        for (int at = 0; at < b.length; at += 1 << 20) l.write(ino, off + at, b, at, Math.min(1 << 20, b.length - at));
    }

    /** The trash's entries (none when it does not exist). */
    private static List<Path> trashed(BlockStore s) throws Exception {
        Path t = s.db().pages().trash().dir();
        if (!Files.isDirectory(t)) return List.of();
        try (Stream<Path> l = Files.list(t)) {
            return l.toList();
        }
    }

    private static void awaitEmptyTrash(BlockStore s) throws Exception {
        awaitEmptyTrash(s, 20);
    }

    /** Polls every pollMs until the trash is empty (at most 30 s); returns the ms waited. */
    private static long awaitEmptyTrash(BlockStore s, long pollMs) throws Exception {
        long from = System.nanoTime(), until = from + TimeUnit.SECONDS.toNanos(30);
        while (!trashed(s).isEmpty()) {
            assertTrue(System.nanoTime() < until, "the trash is still not empty: " + trashed(s));
            Thread.sleep(pollMs);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
    }

    /** A new file name in the root holding data; its inode. */
    private static long newFile(BlockLayer l, String name, byte[] data) throws Exception {
        long ino = l.create(l.rootIno(), name, 0100644, 0, 0, 0).ino();
        writeAll(l, ino, 0, data);
        return ino;
    }

    private static String df(BlockStore s) throws FsException {
        Space.Report r = s.df();
        return r.containers() + " " + r.snapshots() + " " + r.totalStored();
    }

    @Test
    void restoreMovesTheDroppedHeadsPagesAsideAndTheContainerIsAsAtTheSnapshot() throws Exception {
        Path dir = TempDirs.create("trash-restore");
        try (BlockStore s = PageFilesTest.open(dir.resolve("db"), StoreDb.PAGE_FILES_FROM)) {
            s.createContainer("c", "");
            byte[] at = random(8 * MIB, 1);
            long f, dropped;
            String dfAtSnapshot;
            try (BlockLayer l = s.openLayer("c")) {
                f = newFile(l, "f", at);
                s.createSnapshot("c", "s1");
                dfAtSnapshot = df(s);
                dropped = s.container("c").head();
                writeAll(l, f, 3 * MIB + 123, random(4 * MIB, 2)); // over the snapshot's pages, and past its end
                long g = newFile(l, "g", random(48 * MIB, 3));
                l.fsync(g, false);
            }
            Path pages = s.db().pages().dir().resolve(Long.toString(dropped));
            assertTrue(Files.isDirectory(pages), "the head's writes are paged");
            s.restore("c", "s1");
            assertFalse(Files.exists(pages), "the dropped head's page directory left its place in the request");
            assertTrue(Files.isDirectory(s.db().pages().trash().dir()), "it went to the trash");
            try (BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(at, BlockMapModelTest.readAll(l, f), "the file is exactly as at the snapshot");
                assertThrows(FsException.class, () -> l.lookup(l.rootIno(), "g"));
                assertEquals(1, l.readdir(l.rootIno()).size());
            }
            awaitEmptyTrash(s);
            assertEquals(dfAtSnapshot, df(s), "df counts what the snapshot holds, as when it was taken");
            assertEquals(Set.of(s.snapshot("c", "s1").gen()), s.db().pages().gens(), "only the snapshot's page directory");
            try (BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(at, BlockMapModelTest.readAll(l, f), "the snapshot's pages were not in the trash");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void theTrashLetsTheRequestThatFilledItReplyBeforeItDeletes() throws Exception {
        Path dir = TempDirs.create("trash-grace");
        try (BlockStore s = PageFilesTest.open(dir.resolve("db"), StoreDb.PAGE_FILES_FROM)) {
            s.createContainer("c", "");
            long f;
            try (BlockLayer l = s.openLayer("c")) {
                f = newFile(l, "f", random(8 * MIB, 4));
            }
            s.createSnapshot("c", "s");
            try (BlockLayer l = s.openLayer("c")) {
                writeAll(l, f, 0, random(8 * MIB, 5));
            }
            s.restore("c", "s");
            assertEquals(1, trashed(s).size(), "the dropped head's directory waits in the trash");
            long waitedMs = awaitEmptyTrash(s, 1);
            assertTrue(waitedMs >= io.strata.store.block.pages.Trash.GRACE_MS / 2,
                    "deleted " + waitedMs + " ms after the restore returned: the worker did not wait for the reply");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void removingAContainerEmptiesItsPageDirectoriesInTheBackground() throws Exception {
        Path dir = TempDirs.create("trash-rm");
        try (BlockStore s = PageFilesTest.open(dir.resolve("db"), StoreDb.PAGE_FILES_FROM)) {
            s.createContainer("c", "");
            try (BlockLayer l = s.openLayer("c")) {
                long f = newFile(l, "f", random(4 * MIB, 4));
                s.createSnapshot("c", "s1");
                writeAll(l, f, 0, random(4 * MIB, 5));
            }
            assertEquals(2, s.db().pages().gens().size());
            s.removeContainer("c");
            assertEquals(Set.of(), s.db().pages().gens(), "gone from their place in the request");
            assertTrue(Files.isDirectory(s.db().pages().trash().dir()), "they went to the trash");
            awaitEmptyTrash(s);
            assertEquals(0, s.df().totalStored());
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** What a crash leaves: a dropped generation's directory not yet renamed, a trash not yet emptied. */
    @Test
    void anOpenClearsWhatACrashOrACloseLeft() throws Exception {
        Path dir = TempDirs.create("trash-open");
        Path db = dir.resolve("db");
        try {
            byte[] at = random(2 * MIB, 6);
            long f, dropped;
            String df;
            try (BlockStore s = PageFilesTest.open(db, StoreDb.PAGE_FILES_FROM)) {
                s.createContainer("c", "");
                try (BlockLayer l = s.openLayer("c")) {
                    f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                    writeAll(l, f, 0, at);
                    s.createSnapshot("c", "s1");
                    dropped = s.container("c").head();
                    writeAll(l, f, 0, random(2 * MIB, 7));
                }
                s.restore("c", "s1");
                awaitEmptyTrash(s);
                df = df(s);
            }
            Path pages = db.resolve("pages"), orphan = pages.resolve(Long.toString(dropped));
            Files.createDirectories(orphan); // a kill -9 between the drop's batch and the rename
            Files.write(orphan.resolve(Long.toString(f)), random(MIB, 8));
            Path trash = pages.resolve("trash");
            for (int d = 0; d < 40; d++) { // a kill -9 or a close while the trash was being emptied
                Path e = Files.createDirectories(trash.resolve("9" + d + ".1"));
                for (int i = 0; i < 50; i++) Files.write(e.resolve(Integer.toString(i)), new byte[4096]);
            }
            long t0 = System.nanoTime();
            try (BlockStore s = BlockStore.openExisting(db, MemoryBudget.SMALL)) {
                assertFalse(Files.exists(orphan), "the open sweeps a dropped generation's directory");
            }
            long closeMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closeMs < 10_000, "open and close do not wait for the trash: " + closeMs + " ms");
            try (BlockStore s = BlockStore.openExisting(db, MemoryBudget.SMALL)) {
                awaitEmptyTrash(s); // whatever the close left
                assertEquals(df, df(s));
                try (BlockLayer l = s.openLayer("c")) {
                    assertArrayEquals(at, BlockMapModelTest.readAll(l, f));
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** The child: restores c to s0 over and over, each time after writing and fsyncing a paged file, until killed. */
    public static void main(String[] args) throws Exception {
        try (BlockStore s = BlockStore.open(Path.of(args[0]), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            try (BlockLayer l = s.openLayer("c")) {
                long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                writeAll(l, f, 0, random(4 * MIB, 9));
            }
            s.createSnapshot("c", "s0");
            System.out.println("snapshot");
            System.out.flush();
            for (int i = 0; ; i++) {
                try (BlockLayer l = s.openLayer("c")) {
                    long g = l.create(l.rootIno(), "g", 0100644, 0, 0, 0).ino();
                    writeAll(l, g, 0, random(24 * MIB, i));
                    writeAll(l, l.lookup(l.rootIno(), "f").ino(), MIB, random(2 * MIB, -i));
                    l.fsync(g, false);
                }
                s.restore("c", "s0");
                System.out.println("restored " + i);
                System.out.flush();
            }
        }
    }

    @Test
    void aKillMinus9DuringRestoresLosesNoLiveDataAndTheNextOpenClearsTheRest() throws Exception {
        Path dir = TempDirs.create("trash-kill");
        Path db = dir.resolve("db");
        Process p = null;
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    TrashTest.class.getName(), db.toString()).redirectErrorStream(true).start();
            int restored = -1;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("restored ")) restored = Integer.parseInt(line.substring(9));
                    else if (!line.equals("snapshot")) System.err.println("child: " + line);
                    if (restored >= 4) break;
                }
                Thread.sleep(new Random().nextInt(300)); // anywhere in the next round, or in the trash's deletion
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(137, p.exitValue(), "the child was killed by SIGKILL");
            assertTrue(restored >= 4, "child got far enough: " + restored);
            try (BlockStore s = BlockStore.openExisting(db, MemoryBudget.SMALL)) {
                try (BlockLayer v = s.openSnapshot("c", "s0")) {
                    assertArrayEquals(random(4 * MIB, 9), BlockMapModelTest.readAll(v, v.lookup(v.rootIno(), "f").ino()));
                }
                s.restore("c", "s0");
                try (BlockLayer l = s.openLayer("c")) {
                    assertArrayEquals(random(4 * MIB, 9), BlockMapModelTest.readAll(l, l.lookup(l.rootIno(), "f").ino()));
                    assertEquals(1, l.readdir(l.rootIno()).size());
                }
                awaitEmptyTrash(s);
                Set<Long> live = new HashSet<>(List.of(s.snapshot("c", "s0").gen(), s.container("c").head()));
                assertTrue(live.containsAll(s.db().pages().gens()), "no page directory of a dropped generation: "
                        + s.db().pages().gens() + " live " + live);
            }
        } finally {
            if (p != null && p.isAlive()) p.destroyForcibly().waitFor();
            TempDirs.delete(dir);
        }
    }
}
