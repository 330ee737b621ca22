package io.strata.store.block.blocks;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import org.rocksdb.RocksIterator;

import java.util.Arrays;

/**
 * The values a chain holds of one unit, newest first, found with one seek in the versions family (a unit's entries
 * of every generation sort together, newest generation first) and one get per generation that holds the unit,
 * instead of one get per generation of the chain: a read costs about the same at depth 1 and 1000. Entries of
 * generations not in the chain (other branches, dropped ones) are skipped, as are entries whose value is gone.
 * Short chains are read with gets (cheaper than an iterator's seek). The iterator is the thread's kept one
 * ({@link io.strata.store.block.db.ThreadIterators}), current as of the first seek. One per call, on one thread;
 * closed by the caller. Use: {@link #of}, then {@link #next} until false, reading {@link #depth} and {@link #value}.
 */
final class Versions implements AutoCloseable {
    /** Chains with at most this many generations to look at are read with a get each. */
    private static final int GETS_UP_TO = 2;
    private final StoreDb db;
    private final int unit;
    private RocksIterator it;
    private Chain chain;
    private Inode n;
    private long u;
    private int from, depth;
    private byte[] start, value;
    private boolean seeking, started, done;
    private long lastIno = -1, lastUnit = -1; // the unit of the previous seeking walk

    Versions(StoreDb db) {
        this.db = db;
        this.unit = db.unit();
    }

    /** Starts a walk over the values of unit u of n in chain's generations from depth `from` on. */
    Versions of(Chain chain, Inode n, long u, int from) {
        this.chain = chain;
        this.n = n;
        this.u = u;
        this.from = from;
        this.depth = from - 1;
        this.seeking = chain.depth() - from > GETS_UP_TO;
        this.started = false;
        this.done = false;
        if (seeking) start = Keys.version(n.ino, u, chain.gen(from));
        return this;
    }

    /**
     * The next older value, false when there is none, or when a cut hides the rest (a cut that hides a generation
     * hides every older one too).
     */
    boolean next() throws FsException {
        if (done) return false;
        done = true; // until a value is found
        long at = u * unit;
        if (!seeking) {
            while (++depth < chain.depth()) {
                long g = chain.gen(depth);
                if (at >= n.hiddenFrom(g)) break;
                value = db.get(db.blocks, Keys.block(g, n.ino, u));
                if (value != null) return !(done = false);
            }
            depth = chain.depth();
            return false;
        }
        if (it == null) it = db.versionsIterators().borrow();
        if (started) {
            it.next();
        } else {
            if (!(lastIno == n.ino && lastUnit < u && stepTo(start))) it.seek(start);
            lastIno = n.ino;
            lastUnit = u;
            started = true;
        }
        for (; it.isValid(); it.next()) {
            byte[] k = it.key();
            if (!Keys.sameUnit(k, start)) break;
            long g = Keys.versionGen(k);
            int d = chain.depthOf(g);
            if (d < from) continue;
            if (at >= n.hiddenFrom(g)) break;
            value = db.get(db.blocks, Keys.block(g, n.ino, u));
            if (value == null) continue;
            depth = d;
            return !(done = false);
        }
        depth = chain.depth();
        return false;
    }

    /**
     * A sequential read's next unit without a seek: after a walk over a smaller unit every key the iterator passed is
     * below target, so if it is at or one step from a key ≥ target, that key is the first one ≥ target.
     */
    private boolean stepTo(byte[] target) {
        if (!it.isValid()) return false;
        if (Arrays.compareUnsigned(it.key(), target) < 0) {
            it.next();
            if (!it.isValid()) return false;
        }
        return Arrays.compareUnsigned(it.key(), target) >= 0;
    }

    /** The depth in the chain of the generation that holds the current value. */
    int depth() {
        return depth;
    }

    /** The current value (a unit, or a tombstone). */
    byte[] value() {
        return value;
    }

    @Override
    public void close() {
        if (it != null) db.versionsIterators().giveBack(it);
    }
}
