package io.strata.core.host;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * System calls on host paths, with failures as {@link FsException} carrying the kernel's errno. Paths are absolute
 * host paths; callers build them from a layer root and a layer-relative path that they resolved one component at a
 * time, so no symlink inside a layer is ever followed.
 */
public final class Host {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    private static final boolean ARM64 = Platform.getNativePlatform().getCPU() == Platform.CPU.AARCH64;
    public static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;
    public static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
    /** d_type values of struct linux_dirent64. */
    public static final int DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;
    public static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    public static final int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
    public static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200, AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int SEEK_DATA = 3, SEEK_HOLE = 4;

    private static final LibC C = LibraryLoader.create(LibC.class).failImmediately().load("c");
    private static final Runtime RT = Runtime.getRuntime(C);
    private static final ThreadLocal<byte[]> STATX_BUF = ThreadLocal.withInitial(() -> new byte[256]);
    private static final int DENTS_BUF = 64 * 1024;
    private static final ThreadLocal<Pointer> DENTS = ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Runtime.getRuntime(C), DENTS_BUF));

    private Host() {
    }

    public static LibC libc() {
        return C;
    }

    /** errno of the last failed {@link #libc()} call on this thread. */
    public static int lastError() {
        return RT.getLastError();
    }

    private static final byte[] EMPTY = {0};

    /** s as a C string: UTF-8 bytes and a NUL (what jnr would make of a String, without its charset encoder). */
    static byte[] z(String s) {
        int n = s.length();
        byte[] b = new byte[n + 1];
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c == 0) return utf8z(s);
            b[i] = (byte) c;
        }
        return b;
    }

    private static byte[] utf8z(String s) {
        byte[] u = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(u, u.length + 1);
    }

    private static FsException fail(String what, String path) {
        int e = RT.getLastError();
        return new FsException(Errno.of(e), what + " " + path);
    }

    private static void check(int rc, String what, String path) throws FsException {
        if (rc < 0) throw fail(what, path);
    }

    // ---- attributes ----

    /** lstat; throws ENOENT/ENOTDIR like the kernel. */
    public static Stat lstat(String path) throws FsException {
        byte[] b = STATX_BUF.get();
        if (C.statx(AT_FDCWD, z(path), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, b) < 0) throw fail("stat", path);
        return decodeStatx(b);
    }

    /** lstat, or null when nothing is there (ENOENT, ENOTDIR). */
    public static Stat lstatOrNull(String path) throws FsException {
        byte[] b = STATX_BUF.get();
        if (C.statx(AT_FDCWD, z(path), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, b) < 0) {
            int e = RT.getLastError();
            if (e == Errno.ENOENT.code || e == Errno.ENOTDIR.code) return null;
            throw new FsException(Errno.of(e), "stat " + path);
        }
        return decodeStatx(b);
    }

    public static Stat fstat(int fd) throws FsException {
        byte[] b = STATX_BUF.get();
        if (C.statx(fd, EMPTY, AT_EMPTY_PATH, STATX_BASIC_STATS, b) < 0) throw fail("fstat", "fd " + fd);
        return decodeStatx(b);
    }

    static Stat decodeStatx(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        int blksize = b.getInt(4);
        long nlink = b.getInt(16) & 0xffffffffL;
        int uid = b.getInt(20), gid = b.getInt(24);
        int mode = b.getShort(28) & 0xffff;
        long ino = b.getLong(32), size = b.getLong(40), blocks = b.getLong(48);
        long atS = b.getLong(64), atN = b.getInt(72) & 0xffffffffL;
        long ctS = b.getLong(96), ctN = b.getInt(104) & 0xffffffffL;
        long mtS = b.getLong(112), mtN = b.getInt(120) & 0xffffffffL;
        long rdev = Stat.makedev(b.getInt(128) & 0xffffffffL, b.getInt(132) & 0xffffffffL);
        long dev = Stat.makedev(b.getInt(136) & 0xffffffffL, b.getInt(140) & 0xffffffffL);
        return new Stat(ino, dev, mode, nlink, uid, gid, rdev, size, blocks, blksize, atS, atN, mtS, mtN, ctS, ctN);
    }

    public static void chmod(String path, int mode) throws FsException {
        check(C.chmod(z(path), mode & 07777), "chmod", path);
    }

    public static void lchown(String path, int uid, int gid) throws FsException {
        check(C.lchown(z(path), uid, gid), "chown", path);
    }

    /** utimensat without following symlinks; nsec may be UTIME_NOW or UTIME_OMIT. */
    public static void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        check(C.utimensat(AT_FDCWD, z(path), new long[] {aSec, aNsec, mSec, mNsec}, AT_SYMLINK_NOFOLLOW), "utimens", path);
    }

    public static void truncate(String path, long length) throws FsException {
        check(C.truncate(z(path), length), "truncate", path);
    }

    /** access(2) with the effective ids, as the kernel checks for the caller. */
    public static void access(String path, int mode) throws FsException {
        check(C.faccessat(AT_FDCWD, z(path), mode, AT_EACCESS), "access", path);
    }

    public record StatFs(long bsize, long frsize, long blocks, long bfree, long bavail, long files, long ffree,
                         long favail, long fsid, long flag, long namemax) {
    }

    public static StatFs statfs(String path) throws FsException {
        byte[] raw = new byte[112];
        check(C.statvfs(z(path), raw), "statfs", path);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        return new StatFs(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), b.getLong(40),
                b.getLong(48), b.getLong(56), b.getLong(64), b.getLong(72), b.getLong(80));
    }

    // ---- namespace ----

    public static void mkdir(String path, int mode) throws FsException {
        check(C.mkdir(z(path), mode), "mkdir", path);
    }

    public static void rmdir(String path) throws FsException {
        check(C.rmdir(z(path)), "rmdir", path);
    }

    public static void unlink(String path) throws FsException {
        check(C.unlink(z(path)), "unlink", path);
    }

    public static void rename(String from, String to) throws FsException {
        check(C.rename(z(from), z(to)), "rename", from + " -> " + to);
    }

    public static void renameat2(String from, String to, int flags) throws FsException {
        check(C.renameat2(AT_FDCWD, z(from), AT_FDCWD, z(to), flags), "rename", from + " -> " + to);
    }

    public static void symlink(String target, String linkPath) throws FsException {
        check(C.symlink(z(target), z(linkPath)), "symlink", linkPath);
    }

    public static String readlink(String path) throws FsException {
        byte[] buf = new byte[4096];
        long n = C.readlink(z(path), buf, buf.length);
        if (n < 0) throw fail("readlink", path);
        return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }

    public static void link(String existing, String newPath) throws FsException {
        check(C.link(z(existing), z(newPath)), "link", newPath);
    }

    public static void mknod(String path, int mode, long rdev) throws FsException {
        check(C.mknod(z(path), mode, rdev), "mknod", path);
    }

    /** Directory entries without "." and ".."; ENOENT/ENOTDIR/EACCES as the kernel says them. */
    public static List<String> list(String dir) throws FsException {
        List<DirEntry> entries = listTyped(dir);
        List<String> names = new ArrayList<>(entries.size());
        for (DirEntry e : entries) names.add(e.name());
        return names;
    }

    /**
     * A directory entry with the inode number and type getdents reports (d_ino; d_type DT_*, DT_UNKNOWN on filesystems
     * that do not say): enough to tell a shared whiteout, or a file from a directory, without an lstat.
     */
    public record DirEntry(String name, long ino, int type) {
    }

    /** Directory entries with their d_type, without "." and "..": one getdents64 per 64 KiB of entries. */
    public static List<DirEntry> listTyped(String dir) throws FsException {
        int fd = C.open(z(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) throw fail("readdir", dir);
        try {
            Pointer buf = DENTS.get();
            List<DirEntry> out = new ArrayList<>();
            byte[] name = new byte[256];
            while (true) {
                long n = C.getdents64(fd, buf, DENTS_BUF);
                if (n < 0) throw fail("readdir", dir);
                if (n == 0) return out;
                int off = 0;
                while (off < n) {
                    long ino = buf.getLong(off);
                    int reclen = buf.getShort(off + 16) & 0xffff;
                    int type = buf.getByte(off + 18) & 0xff;
                    int len = 0;
                    while (len < 256 && buf.getByte(off + 19 + len) != 0) len++;
                    buf.get(off + 19, name, 0, len);
                    if (!(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.'))
                        out.add(new DirEntry(new String(name, 0, len, StandardCharsets.UTF_8), ino, type));
                    off += reclen;
                }
            }
        } finally {
            C.close(fd);
        }
    }

    // ---- extended attributes ----

    /** The value, or null when the attribute is absent (ENODATA). */
    public static byte[] getxattr(String path, String name) throws FsException {
        byte[] buf = new byte[256];
        for (int attempt = 0; attempt < 4; attempt++) {
            long n = C.lgetxattr(z(path), z(name), buf, buf.length);
            if (n >= 0) return java.util.Arrays.copyOf(buf, (int) n);
            int e = RT.getLastError();
            if (e == Errno.ENODATA.code) return null;
            if (e != Errno.ERANGE.code) throw new FsException(Errno.of(e), "getxattr " + name + " " + path);
            long need = C.lgetxattr(z(path), z(name), null, 0);
            if (need < 0) throw fail("getxattr", path);
            buf = new byte[(int) Math.max(need, buf.length * 2L)];
        }
        throw new FsException(Errno.ERANGE, "getxattr " + path);
    }

    public static void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        check(C.lsetxattr(z(path), z(name), value, value.length, flags), "setxattr " + name, path);
    }

    public static void removexattr(String path, String name) throws FsException {
        check(C.lremovexattr(z(path), z(name)), "removexattr " + name, path);
    }

    public static List<String> listxattr(String path) throws FsException {
        byte[] buf = new byte[1024];
        long n;
        while ((n = C.llistxattr(z(path), buf, buf.length)) < 0) {
            int e = RT.getLastError();
            if (e == Errno.EOPNOTSUPP.code) return List.of();
            if (e != Errno.ERANGE.code) throw new FsException(Errno.of(e), "listxattr " + path);
            buf = new byte[buf.length * 4];
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                if (i > start) names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    // ---- open files ----

    public static int open(String path, int flags, int mode) throws FsException {
        int fd = C.open(z(path), flags | O_CLOEXEC, mode);
        if (fd < 0) throw fail("open", path);
        return fd;
    }

    public static void close(int fd) {
        C.close(fd);
    }

    public static int pread(int fd, Pointer buf, long size, long offset) throws FsException {
        long n = C.pread(fd, buf, size, offset);
        if (n < 0) throw fail("read", "fd " + fd);
        return (int) n;
    }

    public static int pwrite(int fd, Pointer buf, long size, long offset) throws FsException {
        long n = C.pwrite(fd, buf, size, offset);
        if (n < 0) throw fail("write", "fd " + fd);
        return (int) n;
    }

    public static int pread(int fd, byte[] buf, int size, long offset) throws FsException {
        long n = C.pread(fd, buf, size, offset);
        if (n < 0) throw fail("read", "fd " + fd);
        return (int) n;
    }

    public static int pwrite(int fd, byte[] buf, int size, long offset) throws FsException {
        long n = C.pwrite(fd, buf, size, offset);
        if (n < 0) throw fail("write", "fd " + fd);
        return (int) n;
    }

    public static void fsync(int fd, boolean dataOnly) throws FsException {
        check(dataOnly ? C.fdatasync(fd) : C.fsync(fd), "fsync", "fd " + fd);
    }

    public static void ftruncate(int fd, long length) throws FsException {
        check(C.ftruncate(fd, length), "truncate", "fd " + fd);
    }

    public static void fallocate(int fd, int mode, long offset, long length) throws FsException {
        check(C.fallocate(fd, mode, offset, length), "fallocate", "fd " + fd);
    }

    /** sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE): starts writeback of the file's dirty pages, waits for none. */
    public static void startWriteback(int fd) throws FsException {
        check(C.sync_file_range(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */), "sync_file_range", "fd " + fd);
    }

    /**
     * Copies {@code size} bytes of in to out in the kernel (copy_file_range), skipping holes so that sparse files
     * stay sparse, then sets out's size.
     */
    public static void copyData(int in, int out, long size) throws FsException {
        long pos = 0;
        while (pos < size) {
            long data = C.lseek(in, pos, SEEK_DATA);
            if (data < 0) {
                if (RT.getLastError() == Errno.ENXIO.code) break; // only a hole remains
                data = pos; // filesystem without SEEK_DATA: copy everything
            }
            if (data >= size) break;
            long hole = C.lseek(in, data, SEEK_HOLE);
            if (hole < 0 || hole > size) hole = size;
            copyRange(in, out, data, hole - data);
            pos = hole;
        }
        ftruncate(out, size);
    }

    private static void copyRange(int in, int out, long offset, long len) throws FsException {
        Pointer offIn = jnr.ffi.Memory.allocateDirect(RT, 8), offOut = jnr.ffi.Memory.allocateDirect(RT, 8);
        offIn.putLong(0, offset);
        offOut.putLong(0, offset);
        long left = len;
        while (left > 0) {
            long n = C.copy_file_range(in, offIn, out, offOut, Math.min(left, 1L << 30), 0);
            if (n < 0) {
                int e = RT.getLastError();
                if (e == Errno.EXDEV.code || e == Errno.ENOSYS.code || e == Errno.EINVAL.code
                        || e == Errno.EOPNOTSUPP.code) {
                    copyRangeByHand(in, out, offIn.getLong(0), offOut.getLong(0), left);
                    return;
                }
                throw new FsException(Errno.of(e), "copy_file_range");
            }
            if (n == 0) break; // source shorter than expected: the final ftruncate fixes the size
            left -= n;
        }
    }

    private static void copyRangeByHand(int in, int out, long inOff, long outOff, long len) throws FsException {
        byte[] buf = new byte[1 << 20];
        while (len > 0) {
            int n = pread(in, buf, (int) Math.min(len, buf.length), inOff);
            if (n == 0) return;
            int w = 0;
            while (w < n) w += pwrite(out, java.util.Arrays.copyOfRange(buf, w, n), n - w, outOff + w);
            inOff += n;
            outOff += n;
            len -= n;
        }
    }

    // ---- file handles (what overlayfs records as a copy-up origin) ----

    private static final int MAX_HANDLE_SZ = 128, O_PATH = 010000000;
    /** _IOR(0x15, 0, struct fsuuid2 {u8 len; u8 uuid[16];}) — the generic FS_IOC_GETFSUUID (Linux 6.5+). */
    private static final long FS_IOC_GETFSUUID = 0x80111500L;

    /** An exported handle of a path (not following a final symlink): {type, bytes}, or null if the fs has none. */
    public static FileHandle fileHandle(String path) throws FsException {
        byte[] fh = new byte[8 + MAX_HANDLE_SZ];
        ByteBuffer.wrap(fh).order(ByteOrder.nativeOrder()).putInt(0, MAX_HANDLE_SZ);
        if (C.name_to_handle_at(AT_FDCWD, z(path), fh, new int[1], 0) < 0) {
            int e = RT.getLastError();
            if (e == Errno.EOPNOTSUPP.code || e == Errno.EOVERFLOW.code) return null;
            throw fail("name_to_handle_at", path);
        }
        ByteBuffer b = ByteBuffer.wrap(fh).order(ByteOrder.nativeOrder());
        int len = b.getInt(0);
        return new FileHandle(b.getInt(4), Arrays.copyOfRange(fh, 8, 8 + len));
    }

    /** The filesystem's UUID (s_uuid) of the filesystem holding dir, or null when it has none. */
    public static byte[] fsUuid(String dir) {
        int fd = C.open(z(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) return null;
        try {
            byte[] buf = new byte[17];
            buf[0] = 16;
            if (C.ioctl(fd, FS_IOC_GETFSUUID, buf) < 0 || buf[0] != 16) return null;
            return Arrays.copyOfRange(buf, 1, 17);
        } finally {
            C.close(fd);
        }
    }

    /** The stat of the object a handle names, looked up on the filesystem holding mountDir; null if stale/foreign. */
    public static Stat statByHandle(String mountDir, FileHandle h) {
        int mfd = C.open(z(mountDir), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (mfd < 0) return null;
        try {
            byte[] fh = new byte[8 + h.bytes().length];
            ByteBuffer b = ByteBuffer.wrap(fh).order(ByteOrder.nativeOrder());
            b.putInt(0, h.bytes().length).putInt(4, h.type());
            System.arraycopy(h.bytes(), 0, fh, 8, h.bytes().length);
            int fd = C.open_by_handle_at(mfd, fh, O_PATH | O_CLOEXEC);
            if (fd < 0) return null;
            try {
                return fstat(fd);
            } catch (FsException e) {
                return null;
            } finally {
                C.close(fd);
            }
        } finally {
            C.close(mfd);
        }
    }

    public record FileHandle(int type, byte[] bytes) {
    }

    public static int umask(int mask) {
        return C.umask(mask);
    }
}
