package io.strata.core.host;

/** What lstat/statx says of one object: plain values, decoded once. Times are seconds + nanoseconds. */
public record Stat(long ino, long dev, int mode, long nlink, int uid, int gid, long rdev, long size, long blocks,
                   int blksize, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, long ctimeSec,
                   long ctimeNsec) {

    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;
    public static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;

    public int type() {
        return mode & S_IFMT;
    }

    public int perms() {
        return mode & 07777;
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

    public boolean isCharDevice() {
        return type() == S_IFCHR;
    }

    public Stat withIno(long newIno) {
        return new Stat(newIno, dev, mode, nlink, uid, gid, rdev, size, blocks, blksize, atimeSec, atimeNsec,
                mtimeSec, mtimeNsec, ctimeSec, ctimeNsec);
    }

    public Stat withNlink(long newNlink) {
        return new Stat(ino, dev, mode, newNlink, uid, gid, rdev, size, blocks, blksize, atimeSec, atimeNsec,
                mtimeSec, mtimeNsec, ctimeSec, ctimeNsec);
    }

    public Stat withBlocks(long newBlocks) {
        return new Stat(ino, dev, mode, nlink, uid, gid, rdev, size, newBlocks, blksize, atimeSec, atimeNsec,
                mtimeSec, mtimeNsec, ctimeSec, ctimeNsec);
    }

    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
    }

    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }
}
