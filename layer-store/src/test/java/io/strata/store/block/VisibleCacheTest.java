package io.strata.store.block;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.writable.WritableLayer.Entry;
import io.strata.store.block.blocks.BlockMap;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.inode.Directories;
import io.strata.store.block.inode.Dirent;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.inode.Inodes;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.snapshot.Chain;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The cache of visible inode and directory-entry values a mounted layer reads through: after random namespace and
 * attribute changes, snapshots, snapshot removals (pruning, splicing) and restores — with a reader thread filling
 * the cache concurrently — every name and inode reads through the cached layer exactly as through RocksDB alone.
 */
class VisibleCacheTest {
    private static final String[] NAMES = {"a", "b", "c", "d", "e"};

    @Test
    void cachedReadsMatchTheStoreThroughChangesSnapshotsAndRestores() throws Exception {
        Path dir = TempDirs.create("cache");
        long seed = Long.getLong("strata.random.seed", 4242);
        int ops = Integer.getInteger("strata.random.ops", 400);
        SplittableRandom rnd = new SplittableRandom(seed);
        try (BlockStore store = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            store.createContainer("c", "");
            List<Long> dirs = new ArrayList<>();
            List<String> snaps = new ArrayList<>();
            BlockLayer l = store.openLayer("c");
            try {
                dirs.add(l.rootIno());
                for (int i = 0; i < ops; i++) {
                    int op = rnd.nextInt(100);
                    if (op < 3 && snaps.size() < 6) {
                        String s = "s" + i;
                        store.createSnapshot("c", s);
                        snaps.add(s);
                    } else if (op < 5 && !snaps.isEmpty()) {
                        store.removeSnapshot("c", snaps.remove(rnd.nextInt(snaps.size())));
                    } else if (op < 6 && !snaps.isEmpty()) {
                        l.close();
                        store.restore("c", snaps.get(rnd.nextInt(snaps.size())));
                        l = store.openLayer("c");
                        dirs.removeIf(d -> !exists(store, d));
                    } else {
                        change(l, dirs, rnd);
                    }
                    if (i % 25 == 0) {
                        BlockLayer reading = l;
                        readConcurrently(reading, dirs, () -> change(reading, dirs, rnd));
                    }
                    if (i % 5 == 0) {
                        dirs.removeIf(d -> !exists(store, d)); // removed: never asked for again by a walk from the root
                        compare(store, l, dirs, "seed " + seed + " op " + i);
                    }
                }
            } finally {
                l.close();
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private interface Step {
        void run() throws FsException;
    }

    /** A reader thread fills the cache while one change is made. */
    private static void readConcurrently(BlockLayer l, List<Long> dirs, Step change) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Long> snapshot = List.copyOf(dirs);
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                for (long d : snapshot) {
                    for (String n : NAMES) {
                        try {
                            l.getattr(l.lookup(d, n).ino());
                        } catch (FsException e) {
                            // ENOENT, ENOTDIR, a whiteout's inode 0: what a racing change leaves is fine here
                        } catch (Throwable t) {
                            failed.set(t);
                        }
                    }
                }
            }
        });
        reader.start();
        try {
            for (int k = 0; k < 20; k++) change.run();
        } finally {
            stop.set(true);
            reader.join();
        }
        if (failed.get() != null) throw new AssertionError(failed.get());
    }

    private static boolean exists(BlockStore store, long ino) {
        try {
            return Inodes.getOrNull(store.db(), store.point("c"), ino) != null;
        } catch (FsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void change(BlockLayer l, List<Long> dirs, SplittableRandom rnd) throws FsException {
        long d = dirs.get(rnd.nextInt(dirs.size()));
        String n = NAMES[rnd.nextInt(NAMES.length)];
        try {
            switch (rnd.nextInt(9)) {
                case 0 -> l.create(d, n, 0100644, 0, 0, 0);
                case 1 -> {
                    Entry e = l.mkdir(d, n, 0755, 0, 0);
                    if (dirs.size() < 24) dirs.add(e.ino());
                }
                case 2 -> l.unlink(d, n);
                case 3 -> l.rmdir(d, n);
                case 4 -> l.whiteout(d, n);
                case 5 -> l.rename(d, n, dirs.get(rnd.nextInt(dirs.size())), NAMES[rnd.nextInt(NAMES.length)], 0);
                case 6 -> l.chmod(l.lookup(d, n).ino(), rnd.nextInt(07777));
                case 7 -> l.setxattr(l.lookup(d, n).ino(), "user.x", new byte[]{(byte) rnd.nextInt()}, 0);
                default -> l.setOpaque(d, rnd.nextBoolean());
            }
        } catch (FsException e) {
            // refusals (EEXIST, ENOENT, ENOTEMPTY, EINVAL, ...) change nothing; the comparison checks that too
        }
    }

    /** Every name and inode as the cached layer reads it and as RocksDB holds it (an uncached chain). */
    private static void compare(BlockStore store, BlockLayer l, List<Long> dirs, String where) throws FsException {
        Chain plain = store.point("c");
        for (long d : dirs) {
            Inode di = Inodes.get(store.db(), plain, d);
            assertEquals(encoded(di), encoded(inode(l, d)), where + ": inode " + d);
            for (String n : NAMES) {
                Dirent stored = Directories.lookup(store.db(), plain, d, n);
                Entry cached = entry(l, d, n);
                if (stored == null) {
                    assertNull(cached, where + ": " + d + "/" + n);
                    continue;
                }
                assertEquals(new Entry(n, stored.ino(), stored.type(), stored.whiteout()), cached, where + ": " + d + "/" + n);
                if (!stored.whiteout()) {
                    Stat a = l.getattr(stored.ino()), b = statOf(Inodes.get(store.db(), plain, stored.ino()));
                    assertEquals(b, a, where + ": attributes of " + d + "/" + n);
                    assertEquals(List.copyOf(Inodes.get(store.db(), plain, stored.ino()).xattrs.keySet()), l.listxattr(stored.ino()),
                            where + ": xattrs of " + d + "/" + n);
                }
            }
        }
    }

    private static Inode inode(BlockLayer l, long ino) throws FsException {
        Stat st = l.getattr(ino);
        Inode n = new Inode(ino);
        n.mode = st.mode();
        n.nlink = st.nlink();
        n.opaque = st.isDir() && l.isOpaque(ino);
        return n;
    }

    private static String encoded(Inode n) {
        return n.mode + "/" + n.nlink + "/" + n.opaque;
    }

    private static Stat statOf(Inode n) {
        return new Stat(n.ino, 0, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.size, BlockMap.blocks512(n), 4096,
                n.atimeSec, n.atimeNsec, n.mtimeSec, n.mtimeNsec, n.ctimeSec, n.ctimeNsec);
    }

    private static Entry entry(BlockLayer l, long d, String n) {
        try {
            return l.lookup(d, n);
        } catch (FsException e) {
            return null;
        }
    }
}
