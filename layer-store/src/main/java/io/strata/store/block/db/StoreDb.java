package io.strata.store.block.db;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.pages.PageFiles;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The RocksDB database of one store: its column families (see {@link Keys}), its memory budget and its format
 * check. A directory that holds something else, a store of another format version, or a database RocksDB finds
 * corrupt is refused with an error that says which.
 */
public final class StoreDb implements AutoCloseable {
    /** Version 3: unit values may be paged (their bytes in page files); version-2 values (inline) read the same. */
    public static final int FORMAT_VERSION = 3;
    /** Version 1 had no versions index; opening such a store builds it ({@link #upgradeFromVersion1}). */
    static final int UPGRADABLE_VERSION = 1;
    /** Version 2 had inline values only, which version 3 reads as they are: its upgrade writes the format record. */
    static final int INLINE_ONLY_VERSION = 2;
    /** Units starting at or past this file offset keep their bytes in page files (-Dstrata.store.pageFilesFrom). */
    public static final long PAGE_FILES_FROM = 64 * 1024;
    static final String FORMAT_MAGIC = "strata-block-store";
    /** Unit values in RocksDB blob files (-Dstrata.store.blobFiles=true); measured no better for 4 KiB units, so off. */
    /** SST block size of the blocks family (-Dstrata.store.dataBlock=BYTES to measure others). */
    static final int DATA_BLOCK = Integer.getInteger("strata.store.dataBlock", 16 * 1024);
    static final boolean BLOB_FILES = Boolean.parseBoolean(System.getProperty("strata.store.blobFiles", "false"));
    private static final List<String> FAMILIES = List.of(Keys.CF_CATALOG, Keys.CF_GENS, Keys.CF_INODES,
            Keys.CF_DIRENTS, Keys.CF_BLOCKS, Keys.CF_COUNTERS, Keys.CF_VERSIONS);

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> handles;
    private final List<AutoCloseable> owned = new ArrayList<>();
    public final ColumnFamilyHandle meta, catalog, gens, inodes, dirents, blocks, counters, versions;
    private final WriteOptions async = new WriteOptions(), synced = new WriteOptions().setSync(true);
    private final int unit;
    private final PageFiles pages;
    private final ThreadIterators versionsIterators;

    private StoreDb(Path dir, int unitForNewStore, MemoryBudget memory) throws FsException {
        this.dir = dir;
        this.pages = new PageFiles(dir.resolve("pages"), Long.getLong("strata.store.pageFilesFrom", PAGE_FILES_FROM));
        boolean exists = Files.exists(dir.resolve("CURRENT"));
        if (!exists && unitForNewStore <= 0) throw new FsException(Errno.ENOENT, "no store at " + dir);
        LRUCache cache = own(new LRUCache(memory.blockCacheBytes()));
        WriteBufferManager wbm = own(new WriteBufferManager(memory.writeBufferBytes(), cache));
        boolean version1 = exists && checkFamilies(dir);
        DBOptions dbo = own(new DBOptions().setCreateIfMissing(!exists).setCreateMissingColumnFamilies(!exists || version1)
                .setParanoidChecks(true).setWriteBufferManager(wbm).setMaxBackgroundJobs(2)
                .setMaxOpenFiles(256).setKeepLogFileNum(3).setMaxTotalWalSize(64L << 20)
                .setBytesPerSync(1 << 20).setWalBytesPerSync(1 << 20)); // fsync finds little left to write
        List<ColumnFamilyDescriptor> descs = new ArrayList<>();
        descs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, family(cache, memory, false, false)));
        for (String f : FAMILIES) {
            descs.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.UTF_8),
                    family(cache, memory, f.equals(Keys.CF_BLOCKS), f.equals(Keys.CF_COUNTERS))));
        }
        handles = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            db = RocksDB.open(dbo, dir.toString(), descs, handles);
        } catch (RocksDBException e) {
            closeOwned();
            String code = e.getStatus() != null ? e.getStatus().getCodeString() : "";
            if (code.contains("Corruption"))
                throw new FsException(Errno.EIO, "store at " + dir + " is corrupt (" + e.getMessage() + ")");
            throw Rocks.fail("cannot open store at " + dir, e);
        } catch (java.io.IOException e) {
            closeOwned();
            throw new FsException(Errno.EIO, "cannot create " + dir + ": " + e.getMessage());
        }
        meta = handles.get(0);
        catalog = handles.get(1);
        gens = handles.get(2);
        inodes = handles.get(3);
        dirents = handles.get(4);
        blocks = handles.get(5);
        counters = handles.get(6);
        versions = handles.get(7);
        versionsIterators = new ThreadIterators(db, versions);
        try {
            if (exists) unit = checkFormat();
            else unit = initFormat(unitForNewStore);
        } catch (FsException e) {
            close();
            throw e;
        }
    }

    /** Opens the store at dir, creating it (with storage unit unitForNewStore) when there is none. */
    public static StoreDb openOrCreate(Path dir, int unitForNewStore, MemoryBudget memory) throws FsException {
        if (Integer.bitCount(unitForNewStore) != 1 || unitForNewStore < 4096 || unitForNewStore > 256 * 1024)
            throw new FsException(Errno.EINVAL, "storage unit must be a power of two in 4 KiB..256 KiB");
        return new StoreDb(dir, unitForNewStore, memory);
    }

    /** Opens an existing store; ENOENT when there is none. */
    public static StoreDb open(Path dir, MemoryBudget memory) throws FsException {
        return new StoreDb(dir, 0, memory);
    }

    private <T extends AutoCloseable> T own(T t) {
        owned.add(t);
        return t;
    }

    private ColumnFamilyOptions family(LRUCache cache, MemoryBudget memory, boolean data, boolean counter) {
        // partitioned index and filters, in the block cache with high priority, top level pinned: memory stays
        // bounded whatever the store holds, and a cache miss reads one small partition, not a whole index block
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache)
                .setIndexType(IndexType.kTwoLevelIndexSearch).setPartitionFilters(true).setMetadataBlockSize(4096)
                .setCacheIndexAndFilterBlocks(true).setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinTopLevelIndexAndFilter(true)
                .setFilterPolicy(own(new BloomFilter(10))).setBlockSize(data ? DATA_BLOCK : 4096);
        ColumnFamilyOptions o = own(new ColumnFamilyOptions()).setTableFormatConfig(table)
                .setWriteBufferSize(data ? memory.blocksMemtableBytes() : memory.blocksMemtableBytes() / 4)
                .setMaxWriteBufferNumber(2)
                .setCompressionType(data ? CompressionType.NO_COMPRESSION : CompressionType.LZ4_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true);
        if (counter) o.setMergeOperator(own(new UInt64AddOperator()));
        if (data && BLOB_FILES) {
            // file data in blob files: written once by the flush, never rewritten by compactions of the keys
            o.setEnableBlobFiles(true).setMinBlobSize(2048).setBlobFileSize(256L << 20)
                    .setBlobCompressionType(CompressionType.NO_COMPRESSION).setEnableBlobGarbageCollection(true)
                    .setBlobGarbageCollectionAgeCutoff(0.5);
        }
        return o;
    }

    /** Refuses a directory without the store's families; true when only the versions family is missing (version 1). */
    private static boolean checkFamilies(Path dir) throws FsException {
        List<byte[]> present;
        try (Options o = new Options()) {
            present = RocksDB.listColumnFamilies(o, dir.toString());
        } catch (RocksDBException e) {
            String code = e.getStatus() != null ? e.getStatus().getCodeString() : "";
            if (code.contains("Corruption"))
                throw new FsException(Errno.EIO, "store at " + dir + " is corrupt (" + e.getMessage() + ")");
            throw Rocks.fail("cannot read store at " + dir, e);
        }
        for (String f : FAMILIES) {
            boolean found = present.stream().anyMatch(p -> Arrays.equals(p, f.getBytes(StandardCharsets.UTF_8)));
            if (found) continue;
            if (f.equals(Keys.CF_VERSIONS)) return true;
            throw new FsException(Errno.EINVAL, dir + " is not a Strata block store (no '" + f + "' column family)");
        }
        return false;
    }

    private int checkFormat() throws FsException {
        byte[] f = get(meta, Keys.META_FORMAT);
        if (f == null) throw new FsException(Errno.EINVAL, dir + " is not a Strata block store (no format record)");
        String s = new String(f, StandardCharsets.UTF_8);
        int nul = s.indexOf('\0');
        if (nul < 0 || !s.substring(0, nul).equals(FORMAT_MAGIC) || f.length != nul + 5)
            throw new FsException(Errno.EIO, "store at " + dir + " is corrupt (bad format record)");
        int version = Keys.getInt(f, nul + 1);
        if (version == UPGRADABLE_VERSION) {
            upgradeFromVersion1();
            version = FORMAT_VERSION;
        } else if (version == INLINE_ONLY_VERSION) {
            try (WriteBatch b = new WriteBatch()) {
                b.put(meta, Keys.META_FORMAT, formatRecord(FORMAT_VERSION));
                write(b, true);
            } catch (RocksDBException e) {
                throw Rocks.fail("upgrade store to format version " + FORMAT_VERSION, e);
            }
            version = FORMAT_VERSION;
        }
        if (version != FORMAT_VERSION)
            throw new FsException(Errno.EINVAL, "store at " + dir + " has format version " + version
                    + "; this Strata reads version " + FORMAT_VERSION + " only");
        byte[] u = get(meta, Keys.META_UNIT);
        int unit = u == null || u.length != 4 ? -1 : Keys.getInt(u, 0);
        if (Integer.bitCount(unit) != 1 || unit < 4096)
            throw new FsException(Errno.EIO, "store at " + dir + " is corrupt (bad storage unit record)");
        return unit;
    }

    /**
     * Builds the versions index of a version-1 store: one entry per blocks key (keys only are kept; RocksDB still
     * reads the values once), then the version-2 format record, synced last: a crash before it redoes the whole
     * upgrade at the next open, which puts the same entries again.
     */
    private void upgradeFromVersion1() throws FsException {
        try (WriteBatch b = new WriteBatch(); ReadOptions ro = new ReadOptions().setFillCache(false);
             RocksIterator it = db.newIterator(blocks, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                b.put(versions, Keys.versionOf(it.key()), new byte[0]);
                if (b.count() >= 4096) {
                    write(b, false);
                    b.clear();
                }
            }
            b.put(meta, Keys.META_FORMAT, formatRecord(FORMAT_VERSION));
            write(b, true);
        } catch (RocksDBException e) {
            throw Rocks.fail("upgrade store to format version " + FORMAT_VERSION, e);
        }
    }

    private int initFormat(int unit) throws FsException {
        try (WriteBatch b = new WriteBatch()) {
            b.put(meta, Keys.META_FORMAT, formatRecord(FORMAT_VERSION));
            b.put(meta, Keys.META_UNIT, Keys.u32(unit));
            b.put(meta, Keys.META_NEXT_INO, Keys.u64(2));
            b.put(meta, Keys.META_NEXT_GEN, Keys.u64(1));
            write(b, true);
        } catch (RocksDBException e) {
            throw Rocks.fail("init store", e);
        }
        return unit;
    }

    /** The format record for a version (tests write other versions to see them refused). */
    public static byte[] formatRecord(int version) {
        byte[] m = (FORMAT_MAGIC + '\0').getBytes(StandardCharsets.UTF_8);
        byte[] r = Arrays.copyOf(m, m.length + 4);
        System.arraycopy(Keys.u32(version), 0, r, m.length, 4);
        return r;
    }

    public Path dir() {
        return dir;
    }

    /** Bytes per storage unit (block-map value); a multiple of the 4 KiB page. */
    public int unit() {
        return unit;
    }

    public RocksDB rocks() {
        return db;
    }

    /** The reading threads' iterators over the versions family. */
    public ThreadIterators versionsIterators() {
        return versionsIterators;
    }

    /** Where paged unit values keep their bytes. */
    public PageFiles pages() {
        return pages;
    }

    public byte[] get(ColumnFamilyHandle cf, byte[] key) throws FsException {
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw Rocks.fail("read", e);
        }
    }

    /**
     * Applies a batch atomically; sync = its WAL record is on disk before this returns (fsync semantics), and so are
     * the page files' bytes written before it (the WAL it syncs covers their headers).
     */
    public void write(WriteBatch batch, boolean sync) throws FsException {
        if (sync) pages.syncAll();
        try {
            db.write(sync ? synced : async, batch);
        } catch (RocksDBException e) {
            throw Rocks.fail("write", e);
        }
    }

    /** Makes every write made so far durable: syncs the page files written, then the WAL. */
    public void syncWal() throws FsException {
        pages.syncAll();
        flushWal();
    }

    /**
     * fsync of one file: syncs its page files written since their last sync, then the WAL (which covers every batch
     * so far; other files' page bytes are synced by their own fsync, a synced batch or {@link #syncWal}).
     */
    public void syncFile(long ino) throws FsException {
        pages.sync(ino);
        flushWal();
    }

    private void flushWal() throws FsException {
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw Rocks.fail("sync", e);
        }
    }

    /** Flushes memtables to SST files (tests: persistence beyond the WAL). */
    public void flush() throws FsException {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, handles);
        } catch (RocksDBException e) {
            throw Rocks.fail("flush", e);
        }
    }

    @Override
    public void close() {
        try {
            pages.syncAll();
        } catch (FsException ignored) {
            // closing anyway: what was not synced is what an fsync never promised
        }
        pages.close();
        try {
            db.flushWal(true);
        } catch (RocksDBException ignored) {
            // closing anyway: what was not synced is what an fsync never promised
        }
        versionsIterators.close();
        for (ColumnFamilyHandle h : handles) h.close();
        db.close();
        async.close();
        synced.close();
        closeOwned();
    }

    private void closeOwned() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception ignored) {
                // native handles: nothing to report
            }
        }
        owned.clear();
    }
}
