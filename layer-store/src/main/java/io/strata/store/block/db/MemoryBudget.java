package io.strata.store.block.db;

/**
 * RocksDB's memory, set explicitly (a 2-core box, daemon RSS target ≤ 200 MB): one LRU block cache shared by every
 * column family, with memtables charged to it through a write-buffer manager, and index/filter blocks cached in it
 * too, so that this is the bound on everything RocksDB keeps in memory apart from iterators in flight. The default is
 * small for the daemon's RSS target: 16/8 MiB peaked 9 MiB lower than 32/16 MiB (64/32 before session 7), at ~12% more
 * daemon CPU per GiB written (smaller memtables, more flushes; benchmarks/RESULTS-store.md, session 7).
 *
 * @param blockCacheBytes    the shared cache (data, index and filter blocks, and the memtables' reservation)
 * @param writeBufferBytes   all memtables together (charged to the cache)
 * @param blocksMemtableBytes one memtable of the blocks family (file data); the others get a quarter of it
 */
public record MemoryBudget(long blockCacheBytes, long writeBufferBytes, long blocksMemtableBytes) {
    public static final MemoryBudget DEFAULT = new MemoryBudget(16L << 20, 8L << 20, 4L << 20);
    /** For tests that open many stores. */
    public static final MemoryBudget SMALL = new MemoryBudget(16L << 20, 8L << 20, 4L << 20);
}
