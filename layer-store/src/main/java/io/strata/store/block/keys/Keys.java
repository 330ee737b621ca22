package io.strata.store.block.keys;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The store's key space: every column family and every key encoding, in this one place.
 *
 * <h2>Generations</h2>
 * Every key of file-system state starts with an 8-byte big-endian <b>generation</b> id. A generation is a set of
 * changes on top of its parent generation; a container's writable layer is its <em>head</em> generation, and what a
 * container sees is the chain head → parent → … → root, the newest entry of a key winning. Taking a snapshot
 * freezes the head and starts an empty child as the new head (three small records: no key or block is copied);
 * a clone is a new head whose parent is the snapshot's generation. A key of a newer generation that must hide
 * an older one is written as a <b>tombstone</b> (value {@code [0x00]}).
 *
 * <h2>Column families</h2>
 * <pre>
 * CF        key                                   value
 * default   "format"                              "strata-block-store" NUL version (u32 BE)   — refused if unknown
 *           "unit"                                storage unit in bytes (u32 BE), fixed at creation
 *           "next.ino" / "next.gen"               next free inode number / generation id (u64 BE)
 * catalog   'c' NAME                              ContainerRecord: head generation, lower dirs
 *           's' CONTAINER NUL SNAPSHOT            SnapshotRecord: frozen generation, creation time
 * gens      gen                                   GenRecord: parent generation (0 = none), frozen flag
 * inodes    gen ino                               InodeRecord (kind 1; its cuts hide older generations'
 *                                                 units a truncation dropped) | tombstone
 * dirents   gen dirIno NAME                       DirentRecord: entry (kind 1: ino, type) | whiteout (kind 2)
 *                                                 | tombstone (kind 0: deleted in this generation)
 * blocks    gen ino unitIndex                     Unit (kind 1: present and cleared 4 KiB-page bitmaps + the
 *                                                 present pages; pages neither present nor cleared fall through
 *                                                 to older generations, then the lower origin) | paged unit (kind
 *                                                 2: the bitmaps only; the pages are in DB/pages/gen/ino, format
 *                                                 version 3) | tombstone (all pages cleared)
 * counters  gen counterId                         u64 little-endian, updated by the uint64add merge operator
 * versions  ino unitIndex ~gen                    empty: gen may hold a value of (ino, unitIndex) in blocks. One
 *                                                 entry per blocks key, put in the same batch; a unit's versions
 *                                                 sort together, newest generation first, so one seek finds the
 *                                                 newest that a chain holds (format version 2). An entry whose
 *                                                 blocks key is gone is harmless (skipped) and swept by gc.
 * </pre>
 * All integers in keys are big-endian so that RocksDB's byte order is numeric order: a generation's keys are one
 * contiguous range (dropped with one DeleteRange), an inode's blocks are contiguous and in file order, a
 * directory's entries are contiguous and sorted by name.
 */
public final class Keys {
    public static final String CF_CATALOG = "catalog", CF_GENS = "gens", CF_INODES = "inodes", CF_DIRENTS = "dirents",
            CF_BLOCKS = "blocks", CF_COUNTERS = "counters", CF_VERSIONS = "versions";

    public static final byte[] META_FORMAT = ascii("format"), META_UNIT = ascii("unit"),
            META_NEXT_INO = ascii("next.ino"), META_NEXT_GEN = ascii("next.gen");

    /** The value that hides an older generation's value of the same key. */
    public static final byte[] TOMBSTONE = {0};

    private Keys() {
    }

    public static boolean isTombstone(byte[] v) {
        return v.length == 1 && v[0] == 0;
    }

    // ---------------------------------------------------------------- generation-prefixed keys

    /** The first key of generation gen in any generation-prefixed family. */
    public static byte[] genPrefix(long gen) {
        byte[] k = new byte[8];
        putLong(k, 0, gen);
        return k;
    }

    public static byte[] inode(long gen, long ino) {
        byte[] k = new byte[16];
        putLong(k, 0, gen);
        putLong(k, 8, ino);
        return k;
    }

    /** The first key of ino's blocks (or of dir's entries) in gen: gen ino. */
    public static byte[] inodePrefix(long gen, long ino) {
        return inode(gen, ino);
    }

    public static byte[] block(long gen, long ino, long unit) {
        byte[] k = new byte[24];
        putLong(k, 0, gen);
        putLong(k, 8, ino);
        putLong(k, 16, unit);
        return k;
    }

    /** The versions entry of block(gen, ino, unit): ino unit ~gen (so a unit's newer generations sort first). */
    public static byte[] version(long ino, long unit, long gen) {
        byte[] k = new byte[24];
        putLong(k, 0, ino);
        putLong(k, 8, unit);
        putLong(k, 16, ~gen);
        return k;
    }

    /** The versions entry of a blocks key. */
    public static byte[] versionOf(byte[] blockKey) {
        return version(ino(blockKey), unit(blockKey), gen(blockKey));
    }

    /** The generation of a versions entry. */
    public static long versionGen(byte[] versionKey) {
        return ~getLong(versionKey, 16);
    }

    /** Do two versions entries belong to the same (ino, unit)? */
    public static boolean sameUnit(byte[] versionKey, byte[] other) {
        return Arrays.equals(versionKey, 0, 16, other, 0, 16);
    }

    public static byte[] dirent(long gen, long dir, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[16 + n.length];
        putLong(k, 0, gen);
        putLong(k, 8, dir);
        System.arraycopy(n, 0, k, 16, n.length);
        return k;
    }

    public static byte[] counter(long gen, int id) {
        byte[] k = new byte[9];
        putLong(k, 0, gen);
        k[8] = (byte) id;
        return k;
    }

    public static long gen(byte[] key) {
        return getLong(key, 0);
    }

    /** Second field: ino of inodes/blocks keys, dir of dirents keys. */
    public static long ino(byte[] key) {
        return getLong(key, 8);
    }

    public static long unit(byte[] blockKey) {
        return getLong(blockKey, 16);
    }

    public static String direntName(byte[] key) {
        return new String(key, 16, key.length - 16, StandardCharsets.UTF_8);
    }

    /** Same key with its generation replaced. */
    public static byte[] withGen(byte[] key, long gen) {
        byte[] k = key.clone();
        putLong(k, 0, gen);
        return k;
    }

    // ---------------------------------------------------------------- catalog keys

    public static byte[] container(String name) {
        return catalog('c', name);
    }

    public static byte[] snapshot(String container, String snap) {
        return catalog('s', container + '\0' + snap);
    }

    /** The prefix of every snapshot key of container. */
    public static byte[] snapshotsOf(String container) {
        return catalog('s', container + '\0');
    }

    public static byte[] catalogPrefix(char kind) {
        return new byte[]{(byte) kind};
    }

    private static byte[] catalog(char kind, String rest) {
        byte[] n = rest.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[1 + n.length];
        k[0] = (byte) kind;
        System.arraycopy(n, 0, k, 1, n.length);
        return k;
    }

    public static String catalogName(byte[] key) {
        return new String(key, 1, key.length - 1, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- encodings

    public static byte[] u64(long v) {
        byte[] b = new byte[8];
        putLong(b, 0, v);
        return b;
    }

    public static byte[] u32(int v) {
        return new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    public static int getInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    public static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    public static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[at + i] & 0xff);
        return v;
    }

    /** A counter value as the uint64add merge operator stores it: 8 bytes little-endian. */
    public static byte[] counterDelta(long delta) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (delta >>> (8 * i));
        return b;
    }

    public static long counterValue(byte[] b) {
        if (b == null) return 0;
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
