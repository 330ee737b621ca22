package io.strata.store.block.txn;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;

/**
 * The per-generation byte counters kept in the counters family, updated in the same batch as the data they
 * count, so that {@code strata df} reads a few keys instead of walking anything.
 */
public final class Counters {
    /** Bytes of file data this generation stores: block-map unit values and inline payloads. */
    public static final int DATA = 0;
    /** Bytes of its parent generation's units that this generation overwrote or deleted (the parent holds them
     *  only for the snapshots that still see it). */
    public static final int SHADOWED_PARENT = 1;
    public static final int COUNT = 2;

    private Counters() {
    }

    public static long get(StoreDb db, long gen, int id) throws FsException {
        return Keys.counterValue(db.get(db.counters, Keys.counter(gen, id)));
    }
}
