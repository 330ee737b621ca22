package io.strata.store.block.snapshot;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The visible values of one chain's inode and directory-entry keys, so that path walks and attribute calls ask
 * RocksDB once per key instead of once per key and generation. A chain's visible values change only through its
 * head's batches (frozen generations are immutable; pruning deletes only keys a child overwrote, and splicing or
 * restore makes a new Chain with a new cache), and those batches update this cache after they are applied.
 *
 * <p>Keys are the family's keys with generation 0. A reader that loaded a value from RocksDB keeps it only if no
 * batch was applied since it started looking ({@link #version}), so a stale value can never be cached. Reads take no
 * lock; a family holding more than {@link #MAX_ENTRIES} keys starts again empty.
 */
public final class VisibleCache {
    /** Entries per family: ~200 bytes each, a few MiB of the daemon's heap at most. */
    static final int MAX_ENTRIES = 16_384;
    private static final byte[] ABSENT = new byte[0];

    private final Map<Key, byte[]>[] families;
    private volatile long version;

    @SuppressWarnings("unchecked")
    VisibleCache(int familyCount) {
        families = new Map[familyCount];
        for (int i = 0; i < familyCount; i++) families[i] = new ConcurrentHashMap<>(256);
    }

    /** A key's bytes compared by content. */
    record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** What a lookup found: hit (value may be null = absent) or a miss with the version to fill at. */
    record Lookup(boolean hit, byte[] value, long version) {
    }

    Lookup get(int family, byte[] key) {
        long at = version; // read before the map: a batch applied after this makes the fill a no-op
        byte[] v = families[family].get(new Key(key));
        if (v == null) return new Lookup(false, null, at);
        return new Lookup(true, v == ABSENT ? null : v, at);
    }

    /** Keeps a value loaded from RocksDB (null: absent) unless a batch was applied since version. */
    synchronized void fill(int family, byte[] key, byte[] value, long version) {
        if (this.version != version) return;
        Map<Key, byte[]> m = families[family];
        if (m.size() >= MAX_ENTRIES) m.clear();
        m.put(new Key(key), value == null ? ABSENT : value);
    }

    /** Applies a committed batch's changes: key → new visible value (null: absent), or the key forgotten. */
    synchronized void apply(int family, Map<Key, byte[]> visible, Iterable<Key> forgotten, boolean clearAll) {
        version = version + 1;
        Map<Key, byte[]> m = families[family];
        if (clearAll) {
            m.clear();
            return;
        }
        for (Key k : forgotten) m.remove(k);
        for (Map.Entry<Key, byte[]> e : visible.entrySet()) m.put(e.getKey(), e.getValue() == null ? ABSENT : e.getValue());
    }

    synchronized int size(int family) {
        return families[family].size();
    }
}
