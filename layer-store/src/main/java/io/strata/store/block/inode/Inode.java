package io.strata.store.block.inode;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One inode as stored in the inodes family (value kind 1). Mutable while an operation builds the new version; the
 * store writes it back whole (an inode is small: attributes, xattrs, an inline payload of at most a few KiB).
 *
 * <ul>
 *   <li>{@code inline}: a symlink's target, or the whole data of a small regular file (null: data in the block map);
 *   <li>{@code origin}/{@code originLimit}: metadata-only copy-up — bytes below originLimit that were never written
 *       in this layer come from the lower file at path origin (truncation lowers the limit);
 *   <li>{@code parent}/{@code name}: one link of the inode (its first), to name it in diffs;
 *   <li>{@code opaque}: a directory that hides the layers below it;
 *   <li>{@code cuts}: what truncations hide of older generations' units (see {@link #hiddenFrom}).
 * </ul>
 */
public final class Inode {
    private static final byte KIND = 1, FORMAT = 1;
    private static final int F_OPAQUE = 1, F_INLINE = 2, F_ORIGIN = 4, F_CUTS = 8;

    public final long ino;
    public int mode, uid, gid;
    public long nlink, rdev, size;
    public long atimeSec, mtimeSec, ctimeSec;
    public int atimeNsec, mtimeNsec, ctimeNsec;
    public boolean opaque;
    public byte[] inline;
    public String origin;
    public long originLimit;
    public long parent;
    public String name;
    /**
     * Pairs (generation, offset), generations and offsets strictly increasing: a truncation in generation g to
     * below offset o hides every unit at o or beyond of the generations older than g (ids are given in creation
     * order, so older = smaller along any chain), instead of writing a tombstone per unit.
     */
    public long[] cuts = NO_CUTS;
    private static final long[] NO_CUTS = {};
    public final TreeMap<String, byte[]> xattrs = new TreeMap<>();

    public Inode(long ino) {
        this.ino = ino;
    }

    public static final int S_IFMT = 0170000, S_IFLNK = 0120000, S_IFREG = 0100000, S_IFDIR = 0040000;

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDir() {
        return type() == S_IFDIR;
    }

    public boolean isRegular() {
        return type() == S_IFREG;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }

    /** The offset from which generation gen's units are hidden from this inode (Long.MAX_VALUE: none). */
    public long hiddenFrom(long gen) {
        for (int i = 0; i < cuts.length; i += 2) if (cuts[i] > gen) return cuts[i + 1];
        return Long.MAX_VALUE;
    }

    /** Units at offset ≥ from of generations older than gen are hidden from now on. */
    public void cut(long gen, long from) {
        int keep = 0;
        while (keep < cuts.length && cuts[keep + 1] < from) keep += 2; // the rest hide less than the new cut
        if (keep > 0 && cuts[keep - 2] == gen) { // a cut of this generation already hides below from
            cuts = Arrays.copyOf(cuts, keep);
            return;
        }
        cuts = Arrays.copyOf(cuts, keep + 2);
        cuts[keep] = gen;
        cuts[keep + 1] = from;
    }

    public void touchTimes(boolean atime, boolean mtime, boolean ctime) {
        long now = System.currentTimeMillis();
        long nanos = System.nanoTime() % 1_000_000; // sub-millisecond part: distinct values for close changes
        long sec = Math.floorDiv(now, 1000);
        int nsec = (int) (Math.floorMod(now, 1000) * 1_000_000 + Math.abs(nanos));
        if (atime) { atimeSec = sec; atimeNsec = nsec; }
        if (mtime) { mtimeSec = sec; mtimeNsec = nsec; }
        if (ctime) { ctimeSec = sec; ctimeNsec = nsec; }
    }

    public byte[] encode() {
        byte[] nameB = utf8(name == null ? "" : name), originB = origin == null ? null : utf8(origin);
        int len = 3 + 3 * 4 + 3 * 8 + 3 * 12 + 8 + 2 + nameB.length + (inline != null ? 4 + inline.length : 0)
                + (originB != null ? 2 + originB.length + 8 : 0) + (cuts.length > 0 ? 2 + 8 * cuts.length : 0) + 2;
        byte[][] xk = new byte[xattrs.size()][];
        int i = 0;
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            xk[i] = utf8(x.getKey());
            len += 2 + xk[i++].length + 4 + x.getValue().length;
        }
        ByteBuffer o = ByteBuffer.allocate(len); // big-endian, as DataOutputStream wrote it before
        o.put(KIND).put(FORMAT);
        o.put((byte) ((opaque ? F_OPAQUE : 0) | (inline != null ? F_INLINE : 0) | (origin != null ? F_ORIGIN : 0)
                | (cuts.length > 0 ? F_CUTS : 0)));
        o.putInt(mode).putInt(uid).putInt(gid).putLong(nlink).putLong(rdev).putLong(size);
        o.putLong(atimeSec).putInt(atimeNsec).putLong(mtimeSec).putInt(mtimeNsec).putLong(ctimeSec).putInt(ctimeNsec);
        o.putLong(parent);
        putBytes(o, nameB);
        if (inline != null) o.putInt(inline.length).put(inline);
        if (originB != null) {
            putBytes(o, originB);
            o.putLong(originLimit);
        }
        if (cuts.length > 0) {
            o.putShort((short) (cuts.length / 2));
            for (long c : cuts) o.putLong(c);
        }
        o.putShort((short) xattrs.size());
        i = 0;
        for (byte[] v : xattrs.values()) {
            putBytes(o, xk[i++]);
            o.putInt(v.length).put(v);
        }
        return o.array();
    }

    /** The mode of an encoded inode, without decoding the rest. */
    public static int modeOf(long ino, byte[] v) throws FsException {
        if (v.length < 7 || v[0] != KIND || v[1] != FORMAT) throw new FsException(Errno.EIO, "corrupt inode " + ino);
        return ByteBuffer.wrap(v, 3, 4).getInt();
    }

    public static Inode decode(long ino, byte[] v) throws FsException {
        try {
            ByteBuffer in = ByteBuffer.wrap(v);
            if (in.get() != KIND || in.get() != FORMAT) throw new IllegalArgumentException("bad kind/format");
            int flags = in.get();
            Inode n = new Inode(ino);
            n.opaque = (flags & F_OPAQUE) != 0;
            n.mode = in.getInt();
            n.uid = in.getInt();
            n.gid = in.getInt();
            n.nlink = in.getLong();
            n.rdev = in.getLong();
            n.size = in.getLong();
            n.atimeSec = in.getLong();
            n.atimeNsec = in.getInt();
            n.mtimeSec = in.getLong();
            n.mtimeNsec = in.getInt();
            n.ctimeSec = in.getLong();
            n.ctimeNsec = in.getInt();
            n.parent = in.getLong();
            n.name = getString(in);
            if ((flags & F_INLINE) != 0) {
                n.inline = new byte[in.getInt()];
                in.get(n.inline);
            }
            if ((flags & F_ORIGIN) != 0) {
                n.origin = getString(in);
                n.originLimit = in.getLong();
            }
            if ((flags & F_CUTS) != 0) {
                n.cuts = new long[2 * Short.toUnsignedInt(in.getShort())];
                for (int i = 0; i < n.cuts.length; i++) n.cuts[i] = in.getLong();
            }
            int nx = Short.toUnsignedInt(in.getShort());
            for (int i = 0; i < nx; i++) {
                String k = getString(in);
                byte[] val = new byte[in.getInt()];
                in.get(val);
                n.xattrs.put(k, val);
            }
            return n;
        } catch (RuntimeException e) { // BufferUnderflowException, NegativeArraySizeException, ...
            throw new FsException(Errno.EIO, "corrupt inode " + ino + ": " + e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putBytes(ByteBuffer o, byte[] b) {
        o.putShort((short) b.length).put(b);
    }

    private static String getString(ByteBuffer in) {
        int n = Short.toUnsignedInt(in.getShort());
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }
}
