package io.strata.store.block.snapshot;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import org.rocksdb.ColumnFamilyHandle;

import java.util.Arrays;

/**
 * What one point (a container's head, or a snapshot) sees: its generations, newest first. A key is looked up in
 * each in turn; the first value found wins (a tombstone meaning "absent"). Immutable: a snapshot taken while a
 * container runs gives the container a new Chain.
 */
public final class Chain {
    private final long[] gens;

    public Chain(long[] gensNewestFirst) {
        this.gens = gensNewestFirst.clone();
    }

    /** A value and the depth (0 = head) of the generation that holds it. */
    public record Hit(int depth, byte[] value) {
        public boolean tombstone() {
            return Keys.isTombstone(value);
        }
    }

    public long head() {
        return gens[0];
    }

    public long gen(int depth) {
        return gens[depth];
    }

    public int depth() {
        return gens.length;
    }

    public long[] gens() {
        return gens.clone();
    }

    /** The newest value of key (its generation field is ignored) at depth ≥ from; null when no generation has it. */
    public Hit find(StoreDb db, ColumnFamilyHandle cf, byte[] key, int from) throws FsException {
        byte[] k = key.clone();
        for (int d = from; d < gens.length; d++) {
            Keys.putLong(k, 0, gens[d]);
            byte[] v = db.get(cf, k);
            if (v != null) return new Hit(d, v);
        }
        return null;
    }

    /** The visible value of key: null when absent or deleted. */
    public byte[] get(StoreDb db, ColumnFamilyHandle cf, byte[] key) throws FsException {
        Hit h = find(db, cf, key, 0);
        return h == null || h.tombstone() ? null : h.value();
    }

    /** Generations of this chain that are not in other's (other may be null: all of them). */
    public long[] notIn(Chain other) {
        if (other == null) return gens.clone();
        return Arrays.stream(gens).filter(g -> Arrays.stream(other.gens).noneMatch(o -> o == g)).toArray();
    }

    @Override
    public String toString() {
        return Arrays.toString(gens);
    }
}
