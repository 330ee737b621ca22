package io.strata.store.block;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What survives a close and reopen, and what a store refuses to open: other versions, other databases, damage. */
class FormatTest {
    @Test
    void everythingSurvivesCloseAndReopen() throws Exception {
        Path dir = TempDirs.create("reopen");
        byte[] data = random(300_000, 9);
        try {
            long f, d;
            try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
                s.createContainer("c", "");
                BlockLayer l = s.openLayer("c");
                d = l.mkdir(l.rootIno(), "d", 0750, 1, 2).ino();
                f = l.create(d, "f", 0100600, 0, 0, 0).ino();
                l.write(f, 0, data, 0, data.length);
                l.symlink(l.rootIno(), "s", "d/f", 0, 0);
                l.whiteout(l.rootIno(), "w");
                l.setOpaque(d, true);
                l.setxattr(f, "user.x", new byte[]{1, 2}, 0);
                s.createSnapshot("c", "s1");
                l.truncate(f, 1000);
                s.db().flush(); // part in SST files, part only in the WAL
                l.create(l.rootIno(), "late", 0100644, 0, 0, 0);
                l.close();
            }
            try (BlockStore s = BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL);
                 BlockLayer l = s.openLayer("c")) {
                assertEquals(1000, l.getattr(f).size());
                assertArrayEquals(java.util.Arrays.copyOf(data, 1000), BlockMapModelTest.readAll(l, f));
                assertEquals("d/f", l.readlink(l.lookup(l.rootIno(), "s").ino()));
                assertTrue(l.lookup(l.rootIno(), "w").whiteout());
                assertTrue(l.isOpaque(d));
                assertArrayEquals(new byte[]{1, 2}, l.getxattr(f, "user.x"));
                assertEquals(040750, l.getattr(d).mode());
                assertEquals(List.of("d", "late", "s", "w"), l.readdir(l.rootIno()).stream().map(e -> e.name()).toList());
                try (BlockLayer v = s.openSnapshot("c", "s1")) {
                    assertArrayEquals(data, BlockMapModelTest.readAll(v, f));
                }
                long fresh = l.create(l.rootIno(), "fresh", 0100644, 0, 0, 0).ino();
                assertTrue(fresh > f, "inode numbers are not reused after a reopen");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** Something done to the database with plain RocksDB: every family open, handles in the order of names. */
    private interface Raw {
        void apply(RocksDB r, List<byte[]> names, List<org.rocksdb.ColumnFamilyHandle> handles) throws Exception;
    }

    private static void raw(Path db, Raw action) throws Exception {
        List<byte[]> names;
        try (Options o = new Options()) {
            names = RocksDB.listColumnFamilies(o, db.toString());
        }
        List<org.rocksdb.ColumnFamilyDescriptor> ds = names.stream().map(org.rocksdb.ColumnFamilyDescriptor::new).toList();
        List<org.rocksdb.ColumnFamilyHandle> hs = new java.util.ArrayList<>();
        try (org.rocksdb.DBOptions o = new org.rocksdb.DBOptions(); RocksDB r = RocksDB.open(o, db.toString(), ds, hs)) {
            action.apply(r, names, hs);
            for (var h : hs) h.close();
        }
    }

    /** Writes one key of the default family (as damage or another version would). */
    static void writeMeta(Path db, byte[] key, byte[] value) throws Exception {
        raw(db, (r, names, hs) -> r.put(hs.get(0), key, value));
    }

    /** Deletes keys of one family (a removal that stopped after its first batch). */
    private static void rawDelete(Path db, String family, byte[]... keys) throws Exception {
        raw(db, (r, names, hs) -> {
            for (int i = 0; i < names.size(); i++)
                if (new String(names.get(i)).equals(family)) for (byte[] k : keys) r.delete(hs.get(i), k);
        });
    }

    private static void dropFamily(Path db, String family) throws Exception {
        raw(db, (r, names, hs) -> {
            for (int i = 0; i < names.size(); i++) if (new String(names.get(i)).equals(family)) r.dropColumnFamily(hs.get(i));
        });
    }

    @Test
    void aRemovalInterruptedByACrashIsFinishedAtOpen() throws Exception {
        Path dir = TempDirs.create("interrupted");
        try {
            try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
                s.createContainer("c", "");
                try (BlockLayer l = s.openLayer("c")) {
                    long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                    l.write(f, 0, new byte[50_000], 0, 50_000);
                    s.createSnapshot("c", "s1");
                    l.write(f, 0, new byte[]{1}, 0, 1);
                }
            }
            // what rm's first batch does: the names go; the crash comes before the generations are dropped
            rawDelete(dir.resolve("db"), Keys.CF_CATALOG, Keys.container("c"), Keys.snapshot("c", "s1"));
            try (BlockStore s = BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL)) {
                assertEquals(0, s.containers().size());
                long keys = 0;
                for (var cf : List.of(s.db().inodes, s.db().dirents, s.db().blocks)) {
                    try (org.rocksdb.RocksIterator it = s.db().rocks().newIterator(cf)) {
                        for (it.seekToFirst(); it.isValid(); it.next()) keys++;
                    }
                }
                assertEquals(0, keys, "the orphaned generations were dropped at open");
                assertEquals(0, s.df().totalStored());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void anUnknownVersionIsRefused() throws Exception {
        Path dir = TempDirs.create("version");
        try {
            BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL).close();
            writeMeta(dir.resolve("db"), Keys.META_FORMAT, StoreDb.formatRecord(StoreDb.FORMAT_VERSION + 1));
            FsException e = assertThrows(FsException.class, () -> BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL));
            assertTrue(e.getMessage().contains("format version " + (StoreDb.FORMAT_VERSION + 1))
                    && e.getMessage().contains("reads version " + StoreDb.FORMAT_VERSION), e.getMessage());
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * A version-1 store (no versions family) is upgraded at open: its index is built from the blocks family, so
     * reads through a chain deeper than a get-per-generation walk find every generation's pages.
     */
    @Test
    void aVersion1StoreIsUpgradedAtOpen() throws Exception {
        Path dir = TempDirs.create("upgrade");
        byte[] data = random(200_000, 3);
        try {
            long f;
            try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
                s.createContainer("c", "");
                try (BlockLayer l = s.openLayer("c")) {
                    f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                    l.write(f, 0, data, 0, data.length);
                    for (int i = 0; i < 6; i++) {
                        s.createSnapshot("c", "s" + i);
                        byte[] b = {(byte) (i + 1)};
                        l.write(f, 5000L * i, b, 0, 1);
                        data[5000 * i] = b[0];
                    }
                    s.db().flush(); // the raw opens below would lose what only the WAL holds
                }
            }
            // what a version-1 store is: no versions family, format record 1
            dropFamily(dir.resolve("db"), Keys.CF_VERSIONS);
            writeMeta(dir.resolve("db"), Keys.META_FORMAT, StoreDb.formatRecord(1));
            try (BlockStore s = BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL); BlockLayer l = s.openLayer("c")) {
                assertArrayEquals(data, BlockMapModelTest.readAll(l, f));
            }
            try (BlockStore s = BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL)) {
                assertArrayEquals(StoreDb.formatRecord(StoreDb.FORMAT_VERSION), s.db().get(s.db().meta, Keys.META_FORMAT));
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aDatabaseThatIsNotAStoreIsRefused() throws Exception {
        Path dir = TempDirs.create("other");
        try {
            try (Options o = new Options().setCreateIfMissing(true); RocksDB r = RocksDB.open(o, dir.resolve("db").toString())) {
                r.put("k".getBytes(), "v".getBytes());
            }
            FsException e = assertThrows(FsException.class, () -> BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL));
            assertTrue(e.getMessage().contains("not a Strata block store"), e.getMessage());
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aCorruptStoreIsRefused() throws Exception {
        Path dir = TempDirs.create("corrupt");
        try {
            BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL).close();
            Path manifest;
            try (Stream<Path> files = Files.list(dir.resolve("db"))) {
                manifest = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
            }
            byte[] m = Files.readAllBytes(manifest);
            for (int i = 0; i < m.length; i += 7) m[i] ^= 0x5a;
            Files.write(manifest, m);
            FsException e = assertThrows(FsException.class, () -> BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL));
            assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aDamagedFormatRecordIsRefused() throws Exception {
        Path dir = TempDirs.create("badrecord");
        try {
            BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL).close();
            writeMeta(dir.resolve("db"), Keys.META_FORMAT, "garbage".getBytes());
            FsException e = assertThrows(FsException.class, () -> BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL));
            assertTrue(e.getMessage().contains("corrupt (bad format record)"), e.getMessage());
        } finally {
            TempDirs.delete(dir);
        }
    }
}
