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
 * keeps the older pages. Encoded as {@code [1][present u64 BE][cleared u64 BE][present pages…]} (bytes inline), or
 * as {@code [2][present u64 BE][cleared u64 BE]} (<b>paged</b>: the present pages' bytes are in the generation's page
 * file of the inode, at the unit's own file offset: {@link io.strata.store.block.pages.PageFiles}); a tombstone
 * ({@link Keys#TOMBSTONE}) is a unit whose every page is cleared. Both encodings count the same bytes
 * ({@link #storedOf}) in the DATA counter.
 */
public final class Unit {
    public static final int PAGE = 4096;
    public static final int HEADER = 17;
    private static final byte KIND = 1, KIND_PAGED = 2;

    private final int unitBytes;
    private long present, cleared;
    private final byte[] data;
    /** Encoded as paged: the bytes live in a page file (and {@link #data} holds only what the caller loaded). */
    private boolean paged;

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

    public boolean paged() {
        return paged;
    }

    public void paged(boolean p) {
        paged = p;
    }

    public boolean decidesNothing() {
        return present == 0 && cleared == 0;
    }

    /** The value: the header only when paged (the caller writes the pages' bytes to the page file). */
    public byte[] encode() {
        if (paged) return header(KIND_PAGED, present, cleared);
        byte[] v = new byte[HEADER + Long.bitCount(present) * PAGE];
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

    /** The value of a paged unit whose every page is present (its bytes go to the page file). */
    public static byte[] pagedWhole(int unitBytes) {
        return header(KIND_PAGED, allPages(unitBytes), 0);
    }

    private static byte[] header(byte kind, long present, long cleared) {
        byte[] v = new byte[HEADER];
        v[0] = kind;
        Keys.putLong(v, 1, present);
        Keys.putLong(v, 9, cleared);
        return v;
    }

    /** A paged value's unit has no bytes in {@link #data} (they are in the page file). */
    public static Unit decode(byte[] v, int unitBytes) throws FsException {
        if (Keys.isTombstone(v)) return allCleared(unitBytes);
        Unit u = new Unit(unitBytes);
        check(v, unitBytes);
        u.present = Keys.getLong(v, 1);
        u.cleared = Keys.getLong(v, 9);
        if (isPaged(v)) {
            u.paged = true;
            return u;
        }
        int at = HEADER;
        for (int p = 0; p < u.pages(); p++) {
            if (!u.has(p)) continue;
            System.arraycopy(v, at, u.data, p * PAGE, PAGE);
            at += PAGE;
        }
        return u;
    }

    private static void check(byte[] v, int unitBytes) throws FsException {
        if (v.length < HEADER || (v[0] != KIND && v[0] != KIND_PAGED)) throw new FsException(Errno.EIO, "corrupt block-map unit");
        long p = Keys.getLong(v, 1), c = Keys.getLong(v, 9), all = allPages(unitBytes);
        int length = v[0] == KIND_PAGED ? HEADER : HEADER + Long.bitCount(p) * PAGE;
        if (v.length != length || (p & ~all) != 0 || (c & ~all) != 0 || (p & c) != 0)
            throw new FsException(Errno.EIO, "corrupt block-map unit (header)");
    }

    /** Are the value's present pages in the page file (not in the value)? */
    public static boolean isPaged(byte[] v) {
        return v.length == HEADER && v[0] == KIND_PAGED;
    }

    /**
     * Bytes a value counts for in the DATA counter: its header and present pages wherever they are (a tombstone:
     * none), so that df reads the same whichever encoding holds the bytes.
     */
    public static long storedOf(byte[] v) {
        return Keys.isTombstone(v) ? 0 : HEADER + (long) PAGE * Long.bitCount(Keys.getLong(v, 1));
    }

    /** A run of consecutive pages, first..last. */
    public interface PageRun {
        void at(int first, int last) throws FsException;
    }

    /** Calls run for each run of consecutive pages of mask, in order (one I/O per run instead of one per page). */
    public static void runs(long mask, PageRun run) throws FsException {
        while (mask != 0) {
            int p = Long.numberOfTrailingZeros(mask), q = p;
            while (q < 63 && (mask & (1L << (q + 1))) != 0) q++;
            mask &= q == 63 ? 0 : -(1L << (q + 1));
            run.at(p, q);
        }
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
     * Copies the bytes of [offsetInUnit, +length) that lie in pages of mask present in the encoded (inline) value v
     * into dst (at dstOff for offsetInUnit); other bytes of dst are left alone.
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
