package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.keys.Keys;

import java.util.Arrays;

/**
 * One storage unit of a file's block map in one generation: up to 64 pages of 4 KiB, each
 * <ul>
 *   <li><b>present</b>: its bytes are here;
 *   <li><b>cleared</b>: it reads as zeros (a hole punched or a truncation here), whatever older generations or the
 *       lower origin hold;
 *   <li>neither: it reads as whatever older generations hold for it, else the lower origin's bytes, else zeros.
 * </ul>
 * So copy-on-write has 4 KiB granularity whatever the unit: a write stores only the pages it touches, and a snapshot
 * keeps the older pages. Encoded as {@code [1][present u64 BE][cleared u64 BE][present pages…]}; a tombstone
 * ({@link Keys#TOMBSTONE}) is a unit whose every page is cleared.
 */
public final class Unit {
    public static final int PAGE = 4096;
    public static final int HEADER = 17;
    private static final byte KIND = 1;

    private final int unitBytes;
    private long present, cleared;
    private final byte[] data;

    public Unit(int unitBytes) {
        this.unitBytes = unitBytes;
        this.data = new byte[unitBytes];
    }

    /** The unit a tombstone stands for: every page cleared. */
    public static Unit allCleared(int unitBytes) {
        Unit u = new Unit(unitBytes);
        u.cleared = allPages(unitBytes);
        return u;
    }

    public static long allPages(int unitBytes) {
        int pages = unitBytes / PAGE;
        return pages == 64 ? -1L : (1L << pages) - 1;
    }

    /** Pages that [from, to) of the unit touches. */
    public static long pagesOf(int from, int to) {
        long m = 0;
        for (int p = from / PAGE; p * PAGE < to; p++) m |= 1L << p;
        return m;
    }

    public int pages() {
        return unitBytes / PAGE;
    }

    public boolean has(int page) {
        return (present & (1L << page)) != 0;
    }

    public boolean isCleared(int page) {
        return (cleared & (1L << page)) != 0;
    }

    /** Pages this unit decides (present or cleared): older generations are not looked at for them. */
    public long covered() {
        return present | cleared;
    }

    public long present() {
        return present;
    }

    /** The flat image of the unit (pages not present hold zeros). */
    public byte[] data() {
        return data;
    }

    public void markPresent(int page) {
        present |= 1L << page;
        cleared &= ~(1L << page);
    }

    /** The page reads as zeros from now on, whatever is below. */
    public void clear(int page) {
        present &= ~(1L << page);
        cleared |= 1L << page;
        Arrays.fill(data, page * PAGE, (page + 1) * PAGE, (byte) 0);
    }

    /** The page is decided by older generations again (prune: the only reader below decides it itself). */
    public void forget(int page) {
        present &= ~(1L << page);
        cleared &= ~(1L << page);
        Arrays.fill(data, page * PAGE, (page + 1) * PAGE, (byte) 0);
    }

    public boolean decidesNothing() {
        return present == 0 && cleared == 0;
    }

    public int encodedLength() {
        return HEADER + Long.bitCount(present) * PAGE;
    }

    public byte[] encode() {
        byte[] v = new byte[encodedLength()];
        v[0] = KIND;
        Keys.putLong(v, 1, present);
        Keys.putLong(v, 9, cleared);
        int at = HEADER;
        for (int p = 0; p < pages(); p++) {
            if (!has(p)) continue;
            System.arraycopy(data, p * PAGE, v, at, PAGE);
            at += PAGE;
        }
        return v;
    }

    /**
     * The value of a unit whose every page is present with the bytes src[at, at+unitBytes): what {@link #encode}
     * gives for it, without the image in between (a write that covers the unit has nothing to merge).
     */
    public static byte[] encodeWhole(byte[] src, int at, int unitBytes) {
        byte[] v = new byte[HEADER + unitBytes];
        v[0] = KIND;
        Keys.putLong(v, 1, allPages(unitBytes));
        System.arraycopy(src, at, v, HEADER, unitBytes);
        return v;
    }

    public static Unit decode(byte[] v, int unitBytes) throws FsException {
        if (Keys.isTombstone(v)) return allCleared(unitBytes);
        Unit u = new Unit(unitBytes);
        check(v, unitBytes);
        u.present = Keys.getLong(v, 1);
        u.cleared = Keys.getLong(v, 9);
        int at = HEADER;
        for (int p = 0; p < u.pages(); p++) {
            if (!u.has(p)) continue;
            System.arraycopy(v, at, u.data, p * PAGE, PAGE);
            at += PAGE;
        }
        return u;
    }

    private static void check(byte[] v, int unitBytes) throws FsException {
        if (v.length < HEADER || v[0] != KIND) throw new FsException(Errno.EIO, "corrupt block-map unit");
        long p = Keys.getLong(v, 1), c = Keys.getLong(v, 9), all = allPages(unitBytes);
        if (v.length != HEADER + Long.bitCount(p) * PAGE || (p & ~all) != 0 || (c & ~all) != 0 || (p & c) != 0)
            throw new FsException(Errno.EIO, "corrupt block-map unit (header)");
    }

    /** Present pages of an encoded value (a tombstone has none). */
    public static long presentOf(byte[] v) {
        return Keys.isTombstone(v) ? 0 : Keys.getLong(v, 1);
    }

    /** Pages an encoded value decides. */
    public static long coveredOf(byte[] v, int unitBytes) {
        return Keys.isTombstone(v) ? allPages(unitBytes) : Keys.getLong(v, 1) | Keys.getLong(v, 9);
    }

    /**
     * Copies the bytes of [offsetInUnit, +length) that lie in pages of mask present in the encoded value v into
     * dst (at dstOff for offsetInUnit); other bytes of dst are left alone.
     */
    public static void copyPresent(byte[] v, long mask, int offsetInUnit, byte[] dst, int dstOff, int length) {
        long present = Keys.getLong(v, 1) & mask;
        int end = offsetInUnit + length;
        while (present != 0) {
            int p = Long.numberOfTrailingZeros(present);
            present &= present - 1;
            int idx = Long.bitCount(Keys.getLong(v, 1) & ((1L << p) - 1));
            int from = Math.max(offsetInUnit, p * PAGE), to = Math.min(end, (p + 1) * PAGE);
            if (to > from)
                System.arraycopy(v, HEADER + idx * PAGE + (from - p * PAGE), dst, dstOff + (from - offsetInUnit), to - from);
        }
    }
}
