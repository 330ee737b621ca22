package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.keys.Keys;

import java.util.Arrays;

/**
 * One storage unit of a file's block map: up to 64 pages of 4 KiB, each present or absent. An absent page reads as
 * the lower origin's bytes (metadata-only copy-up) or as zeros (a hole); so writes have 4 KiB granularity whatever
 * the unit, and a unit value holds only its present pages: {@code [1][presence bitmap u64 BE][present pages…]}.
 */
public final class Unit {
    public static final int PAGE = 4096;
    private static final byte KIND = 1;

    private final int unitBytes;
    private long present;
    private final byte[] data;

    public Unit(int unitBytes) {
        this.unitBytes = unitBytes;
        this.data = new byte[unitBytes];
    }

    public int pages() {
        return unitBytes / PAGE;
    }

    public boolean has(int page) {
        return (present & (1L << page)) != 0;
    }

    public boolean empty() {
        return present == 0;
    }

    public int presentCount() {
        return Long.bitCount(present);
    }

    /** The flat image of the unit (absent pages hold zeros). */
    public byte[] data() {
        return data;
    }

    public void markPresent(int page) {
        present |= 1L << page;
    }

    /** Drops a page: it reads as origin or hole again. */
    public void drop(int page) {
        present &= ~(1L << page);
        Arrays.fill(data, page * PAGE, (page + 1) * PAGE, (byte) 0);
    }

    /** Bytes the encoded value takes. */
    public int encodedLength() {
        return 9 + presentCount() * PAGE;
    }

    public byte[] encode() {
        byte[] v = new byte[encodedLength()];
        v[0] = KIND;
        Keys.putLong(v, 1, present);
        int at = 9;
        for (int p = 0; p < pages(); p++) {
            if (!has(p)) continue;
            System.arraycopy(data, p * PAGE, v, at, PAGE);
            at += PAGE;
        }
        return v;
    }

    public static Unit decode(byte[] v, int unitBytes) throws FsException {
        if (v.length < 9 || v[0] != KIND) throw new FsException(Errno.EIO, "corrupt block-map unit");
        Unit u = new Unit(unitBytes);
        u.present = Keys.getLong(v, 1);
        if (v.length != 9 + Long.bitCount(u.present) * PAGE || (unitBytes < 64 * PAGE && (u.present >>> u.pages()) != 0))
            throw new FsException(Errno.EIO, "corrupt block-map unit (length)");
        int at = 9;
        for (int p = 0; p < u.pages(); p++) {
            if (!u.has(p)) continue;
            System.arraycopy(v, at, u.data, p * PAGE, PAGE);
            at += PAGE;
        }
        return u;
    }

    /** Copies length bytes at offset-in-unit from an encoded value, page by page; absent pages are skipped
     *  (left as they are in dst) and reported in the returned bitmap of pages that were present. */
    public static long readInto(byte[] v, int offsetInUnit, byte[] dst, int dstOff, int length) {
        long present = Keys.getLong(v, 1);
        long touched = 0;
        int end = offsetInUnit + length;
        for (int p = offsetInUnit / PAGE; p * PAGE < end; p++) {
            if ((present & (1L << p)) == 0) continue;
            int idx = Long.bitCount(present & ((1L << p) - 1));
            int from = Math.max(offsetInUnit, p * PAGE), to = Math.min(end, (p + 1) * PAGE);
            System.arraycopy(v, 9 + idx * PAGE + (from - p * PAGE), dst, dstOff + (from - offsetInUnit), to - from);
            touched |= 1L << p;
        }
        return touched;
    }
}
