package io.strata.fuse.ll;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Directory listings named by the offsets readdir hands out. With FOPEN_CACHE_DIR the kernel keeps one listing per
 * directory, filled by whichever readers are reading it, and appends an entry when the offset before it is where the
 * cache ends: offsets that were plain indexes made a reader that started over after a change continue the cache of
 * one that started before it, and the first then read the second's listing from its own index on (names twice or
 * missed). So every offset is {@code serial << 32 | index + 1}, serial naming the listing (or the handle that holds
 * it), and two listings never share an offset.
 * <p>
 * Without OPENDIR (answered ENOSYS once, after which the kernel opens and closes directories itself, with
 * FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE: a walk of a cached tree sends nothing per directory) READDIR comes without a
 * handle, and the listings are kept here: one is taken at offset 0, a reader at another offset continues the
 * listing it began, whatever other readers started since (readdir stays stable while entries are added or removed,
 * as with a handle). A listing is dropped once its end was read; abandoned ones beyond {@link #KEPT} listings or
 * {@link #NAMES_KEPT} names, least recently read first. An offset whose listing is gone (dropped, or a seekdir to a
 * made-up value) continues at its index in a new listing.
 */
final class DirListings {
    /**
     * Abandoned listings kept (a reader that closed a directory before its end never says so: `ls | head`, a check
     * for emptiness): the newest KEPT, of NAMES_KEPT names in all at most (the newest is kept whatever its size).
     */
    static final int KEPT = 128, NAMES_KEPT = 200_000;
    private static final int INDEX_BITS = 32;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    /** One listing: the union's names of a directory, as taken at offset 0. */
    static final class Listing {
        final LowLevelOps.OpenDir dir;
        /** serial &lt;&lt; 32: added to an entry's index + 1 to give its offset. */
        final long base;

        Listing(LowLevelOps.OpenDir dir, long base) {
            this.dir = dir;
            this.base = base;
        }
    }

    /** By serial, least recently read first. */
    private final Map<Integer, Listing> listings = new LinkedHashMap<>(16, 0.75f, true);
    private int lastSerial;
    private long names;

    /**
     * The listing an offset of the directory with node id nodeId continues, or null when a new one must be taken
     * (offset 0, or its listing is gone or was of another directory).
     */
    synchronized Listing find(long nodeId, long off) {
        if (off == 0) return null;
        Listing l = listings.get(serial(off));
        return l != null && l.dir.node.id == nodeId ? l : null;
    }

    /** Registers a listing just taken of dir: its offsets name it from now on. */
    synchronized Listing add(LowLevelOps.OpenDir dir) {
        lastSerial = lastSerial == Integer.MAX_VALUE ? 1 : lastSerial + 1; // 31 bits: offsets stay positive
        Listing l = new Listing(dir, base(lastSerial));
        listings.put(lastSerial, l);
        names += l.dir.names.size();
        for (var it = listings.values().iterator(); (listings.size() > KEPT || names > NAMES_KEPT) && listings.size() > 1; ) {
            names -= it.next().dir.names.size();
            it.remove();
        }
        return l;
    }

    /** Its end was read: nobody continues it (a later offset of it gets a new listing). */
    synchronized void done(Listing l) {
        if (listings.remove(serial(l.base)) != null) names -= l.dir.names.size();
    }

    synchronized int size() {
        return listings.size();
    }

    /** The names the kept listings hold. */
    synchronized long names() {
        return names;
    }

    /** serial &lt;&lt; 32: the part of every offset that names listing serial (31 bits, so offsets stay positive). */
    static long base(long serial) {
        return (serial & Integer.MAX_VALUE) << INDEX_BITS;
    }

    /** The index in its listing of the entry an offset points at. */
    static long index(long off) {
        return off & INDEX_MASK;
    }

    private static int serial(long off) {
        return (int) (off >>> INDEX_BITS);
    }
}
