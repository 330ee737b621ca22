package io.strata.store.block.txn;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.Rocks;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One metadata change: every put, delete and counter update of one operation in one RocksDB WriteBatch, applied
 * atomically by {@link #commit}. Counter deltas are summed here and written as uint64add merges.
 */
public final class Txn implements AutoCloseable {
    private final StoreDb db;
    private final WriteBatch batch = new WriteBatch();
    private final Map<Long, long[]> counters = new HashMap<>();
    private final Chain.Writes cached;
    private final List<AfterCommit> after = new ArrayList<>();

    /** Work on page files that must wait for the batch (space returned: the keys that used it are gone first). */
    public interface AfterCommit {
        void run() throws FsException;
    }

    public Txn(StoreDb db) {
        this(db, null);
    }

    /** A batch into chain's head that keeps the chain's cache of visible values right (chain may be null). */
    public Txn(StoreDb db, Chain chain) {
        this.db = db;
        this.cached = chain == null ? null : chain.writes(db);
    }

    public StoreDb db() {
        return db;
    }

    public void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws FsException {
        try {
            batch.put(cf, key, value);
            if (cached != null) cached.put(cf, key, value);
        } catch (RocksDBException e) {
            throw Rocks.fail("batch", e);
        }
    }

    public void delete(ColumnFamilyHandle cf, byte[] key) throws FsException {
        try {
            batch.delete(cf, key);
            if (cached != null) cached.delete(cf, key);
        } catch (RocksDBException e) {
            throw Rocks.fail("batch", e);
        }
    }

    /** Deletes [from, to) of one family: O(1) in RocksDB whatever the range holds. */
    public void deleteRange(ColumnFamilyHandle cf, byte[] from, byte[] to) throws FsException {
        try {
            batch.deleteRange(cf, from, to);
            if (cached != null) cached.deleteRange(cf);
        } catch (RocksDBException e) {
            throw Rocks.fail("batch", e);
        }
    }

    /** Adds delta to counter id of generation gen. */
    public void count(long gen, int id, long delta) {
        if (delta != 0) counters.computeIfAbsent(gen, g -> new long[Counters.COUNT])[id] += delta;
    }

    /** Runs action once this batch is committed (in order; not at all if it is not). */
    public void afterCommit(AfterCommit action) {
        after.add(action);
    }

    public int size() {
        return batch.count();
    }

    public void commit(boolean sync) throws FsException {
        try {
            for (Map.Entry<Long, long[]> c : counters.entrySet()) {
                for (int id = 0; id < Counters.COUNT; id++) {
                    long d = c.getValue()[id];
                    if (d != 0) batch.merge(db.counters, Keys.counter(c.getKey(), id), Keys.counterDelta(d));
                }
            }
        } catch (RocksDBException e) {
            throw Rocks.fail("batch", e);
        }
        counters.clear();
        db.write(batch, sync);
        batch.clear();
        if (cached != null) cached.applied();
        List<AfterCommit> run = List.copyOf(after);
        after.clear();
        for (AfterCommit a : run) a.run();
    }

    @Override
    public void close() {
        batch.close();
    }
}
