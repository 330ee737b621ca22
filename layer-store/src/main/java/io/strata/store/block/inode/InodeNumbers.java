package io.strata.store.block.inode;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import org.rocksdb.WriteBatch;

/**
 * Inode numbers, unique in the whole store (clones share their parent's numbers through the generation chain, so
 * a number is never handed out twice). Numbers are reserved in ranges, persisted with a synced write before any of
 * them is used, so a crash only skips numbers.
 */
public final class InodeNumbers {
    private static final long RESERVE = 4096;
    private final StoreDb db;
    private long next, reservedTo;

    public InodeNumbers(StoreDb db) throws FsException {
        this.db = db;
        byte[] v = db.get(db.meta, Keys.META_NEXT_INO);
        next = reservedTo = v == null ? 2 : Keys.getLong(v, 0);
    }

    public synchronized long allocate() throws FsException {
        if (next >= reservedTo) {
            try (WriteBatch b = new WriteBatch()) {
                b.put(db.meta, Keys.META_NEXT_INO, Keys.u64(next + RESERVE));
                db.write(b, true);
            } catch (org.rocksdb.RocksDBException e) {
                throw io.strata.store.block.db.Rocks.fail("reserve inode numbers", e);
            }
            reservedTo = next + RESERVE;
        }
        return next++;
    }
}
