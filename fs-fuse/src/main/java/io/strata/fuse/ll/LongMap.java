package io.strata.fuse.ll;

import java.util.Arrays;

/**
 * A map from long keys to objects without a boxed key or an entry object per mapping (open addressing, linear probing,
 * deletion by shifting back): the node table holds one mapping per name the kernel has looked up, and a HashMap's
 * Long and entry cost 56 bytes and two objects per mapping, which a cold walk's young collections copy. Not
 * thread-safe (the node table locks). Null values are not stored.
 */
final class LongMap<V> {
    private long[] keys;
    private Object[] values;
    private int size;

    LongMap() {
        keys = new long[16];
        values = new Object[16];
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) return null;
            if (keys[i] == key) return (V) v;
        }
    }

    /** Maps key to value (not null); returns the value it replaced, or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (value == null) throw new NullPointerException("value");
        if ((size + 1) * 4L > keys.length * 3L) grow();
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Object v = values[i];
            if (v == null) {
                keys[i] = key;
                values[i] = value;
                size++;
                return null;
            }
            if (keys[i] == key) {
                values[i] = value;
                return (V) v;
            }
        }
    }

    /** Removes key's mapping; returns its value, or null. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (true) {
            Object v = values[i];
            if (v == null) return null;
            if (keys[i] == key) break;
            i = (i + 1) & mask;
        }
        Object removed = values[i];
        // shift back the entries after the hole whose probe sequence passes through it (Knuth's algorithm R)
        int hole = i;
        for (int j = (hole + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            boolean reachable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (reachable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = null;
        keys[hole] = 0;
        size--;
        return (V) removed;
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldValues.length * 2];
        int mask = keys.length - 1;
        for (int k = 0; k < oldKeys.length; k++) {
            if (oldValues[k] == null) continue;
            int i = slot(oldKeys[k], mask);
            while (values[i] != null) i = (i + 1) & mask;
            keys[i] = oldKeys[k];
            values[i] = oldValues[k];
        }
        Arrays.fill(oldValues, null);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L; // node ids are sequential and inode numbers clustered: spread them
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
