package io.strata.store.block.inode;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 *   <li>{@code opaque}: a directory that hides the layers below it.
 * </ul>
 */
public final class Inode {
    private static final byte KIND = 1, FORMAT = 1;
    private static final int F_OPAQUE = 1, F_INLINE = 2, F_ORIGIN = 4;

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
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
            DataOutputStream o = new DataOutputStream(bytes);
            o.writeByte(KIND);
            o.writeByte(FORMAT);
            o.writeByte((opaque ? F_OPAQUE : 0) | (inline != null ? F_INLINE : 0) | (origin != null ? F_ORIGIN : 0));
            o.writeInt(mode);
            o.writeInt(uid);
            o.writeInt(gid);
            o.writeLong(nlink);
            o.writeLong(rdev);
            o.writeLong(size);
            o.writeLong(atimeSec);
            o.writeInt(atimeNsec);
            o.writeLong(mtimeSec);
            o.writeInt(mtimeNsec);
            o.writeLong(ctimeSec);
            o.writeInt(ctimeNsec);
            o.writeLong(parent);
            writeString(o, name == null ? "" : name);
            if (inline != null) {
                o.writeInt(inline.length);
                o.write(inline);
            }
            if (origin != null) {
                writeString(o, origin);
                o.writeLong(originLimit);
            }
            o.writeShort(xattrs.size());
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
                writeString(o, x.getKey());
                o.writeInt(x.getValue().length);
                o.write(x.getValue());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Inode decode(long ino, byte[] v) throws FsException {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(v));
            if (in.readByte() != KIND || in.readByte() != FORMAT) throw new IOException("bad kind/format");
            int flags = in.readByte();
            Inode n = new Inode(ino);
            n.opaque = (flags & F_OPAQUE) != 0;
            n.mode = in.readInt();
            n.uid = in.readInt();
            n.gid = in.readInt();
            n.nlink = in.readLong();
            n.rdev = in.readLong();
            n.size = in.readLong();
            n.atimeSec = in.readLong();
            n.atimeNsec = in.readInt();
            n.mtimeSec = in.readLong();
            n.mtimeNsec = in.readInt();
            n.ctimeSec = in.readLong();
            n.ctimeNsec = in.readInt();
            n.parent = in.readLong();
            n.name = readString(in);
            if ((flags & F_INLINE) != 0) {
                n.inline = new byte[in.readInt()];
                in.readFully(n.inline);
            }
            if ((flags & F_ORIGIN) != 0) {
                n.origin = readString(in);
                n.originLimit = in.readLong();
            }
            int nx = in.readUnsignedShort();
            for (int i = 0; i < nx; i++) {
                String k = readString(in);
                byte[] val = new byte[in.readInt()];
                in.readFully(val);
                n.xattrs.put(k, val);
            }
            return n;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt inode " + ino + ": " + e.getMessage());
        }
    }

    private static void writeString(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeShort(b.length);
        o.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readUnsignedShort()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
