package io.strata.store.block.snapshot;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import org.rocksdb.ColumnFamilyHandle;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one point (a container's head, or a snapshot) sees: its generations, newest first. A key is looked up in
 * each in turn; the first value found wins (a tombstone meaning "absent"). Immutable: a snapshot taken while a
 * container runs gives the container a new Chain.
 *
 * <p>A chain that serves a mounted layer ({@link #cached}) keeps the visible values of inode and directory-entry keys
 * in a {@link VisibleCache}; its head's batches keep that cache right through {@link #writes}.
 */
public final class Chain {
    private static final int INODES = 0, DIRENTS = 1;
    private final long[] gens;
    private final VisibleCache cache;

    public Chain(long[] gensNewestFirst) {
        this(gensNewestFirst, null);
    }

    private Chain(long[] gensNewestFirst, VisibleCache cache) {
        this.gens = gensNewestFirst.clone();
        this.cache = cache;
        for (int d = 1; d < gens.length; d++)
            if (gens[d] >= gens[d - 1]) throw new IllegalArgumentException("generations not newest first: " + this);
    }

    /** The same generations with a cache of visible inode and directory-entry values, starting empty. */
    public Chain cached() {
        return new Chain(gens, new VisibleCache(2));
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

    /**
     * The depth of gen in this chain, -1 when it is not in it. A generation is created after its parent, so ids
     * decrease from the head down: a binary search.
     */
    public int depthOf(long gen) {
        int lo = 0, hi = gens.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (gens[mid] == gen) return mid;
            if (gens[mid] > gen) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
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

    /** The visible value of key: null when absent or deleted. The caller must not change the array returned. */
    public byte[] get(StoreDb db, ColumnFamilyHandle cf, byte[] key) throws FsException {
        int f = cache == null ? -1 : family(db, cf);
        if (f < 0) return visible(find(db, cf, key, 0));
        byte[] k = Keys.withGen(key, 0);
        VisibleCache.Lookup l = cache.get(f, k);
        if (l.hit()) return l.value();
        byte[] v = visible(find(db, cf, k, 0));
        cache.fill(f, k, v, l.version());
        return v;
    }

    private static byte[] visible(Hit h) {
        return h == null || h.tombstone() ? null : h.value();
    }

    private static int family(StoreDb db, ColumnFamilyHandle cf) {
        return cf == db.inodes ? INODES : cf == db.dirents ? DIRENTS : -1;
    }

    /** What one batch does to the cache, or null when this chain has none. */
    public Writes writes(StoreDb db) {
        return cache == null ? null : new Writes(db);
    }

    /**
     * The cache changes of one batch, staged as it is built and applied once RocksDB has applied the batch: a key put
     * into the head takes the value put (a tombstone: absent); any other change forgets what it touches.
     */
    public final class Writes {
        private final StoreDb db;
        private final Map<VisibleCache.Key, byte[]>[] visible;
        private final Set<VisibleCache.Key>[] forgotten;
        private final boolean[] clear = new boolean[2];

        @SuppressWarnings("unchecked")
        private Writes(StoreDb db) {
            this.db = db;
            visible = new Map[]{new HashMap<>(), new HashMap<>()};
            forgotten = new Set[]{new HashSet<>(), new HashSet<>()};
        }

        public void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
            int f = family(db, cf);
            if (f < 0) return;
            VisibleCache.Key k = new VisibleCache.Key(Keys.withGen(key, 0));
            if (Keys.gen(key) != head()) {
                forget(f, k);
                return;
            }
            forgotten[f].remove(k);
            visible[f].put(k, Keys.isTombstone(value) ? null : value);
        }

        /** A deleted key shows what older generations hold: forgotten, read again when asked. */
        public void delete(ColumnFamilyHandle cf, byte[] key) {
            int f = family(db, cf);
            if (f >= 0) forget(f, new VisibleCache.Key(Keys.withGen(key, 0)));
        }

        public void deleteRange(ColumnFamilyHandle cf) {
            int f = family(db, cf);
            if (f >= 0) clear[f] = true;
        }

        private void forget(int f, VisibleCache.Key k) {
            visible[f].remove(k);
            forgotten[f].add(k);
        }

        /** RocksDB applied the batch. */
        public void applied() {
            for (int f = 0; f < 2; f++) {
                if (clear[f] || !visible[f].isEmpty() || !forgotten[f].isEmpty()) cache.apply(f, visible[f], forgotten[f], clear[f]);
                visible[f].clear();
                forgotten[f].clear();
                clear[f] = false;
            }
        }
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
