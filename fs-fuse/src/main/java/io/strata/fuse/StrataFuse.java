package io.strata.fuse;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.Paths;
import io.strata.core.options.IdMapping;
import io.strata.core.union.Caller;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The FUSE adapter: translates libfuse's high-level calls into {@link UnionFs} calls and {@link FsException}s into
 * negative errno values. It decides nothing about union semantics. Calls that carry a file handle use it and never
 * the path (the mount runs with nullpath_ok/nopath, so an unlinked open file keeps working).
 */
public final class StrataFuse extends FuseStubFS {
    private static final Logger LOG = Logger.getLogger(StrataFuse.class.getName());

    private final UnionFs fs;
    private final Ids ids;
    private final Handles<UnionFile> files = new Handles<>();
    private final Handles<String> dirs = new Handles<>();

    public StrataFuse(UnionFs fs, IdMapping uids, IdMapping gids) {
        this.fs = fs;
        this.ids = new Ids(uids, gids);
    }

    ru.serce.jnrfuse.struct.FuseOperations operations() {
        return fuseOperations;
    }

    public int openHandles() {
        return files.size() + dirs.size();
    }

    /** The one place where errors become FUSE return values. */
    private static int errno(FsException e) {
        return -e.errno().code;
    }

    private static int unexpected(String op, String path, RuntimeException e) {
        LOG.log(Level.WARNING, op + " " + path + " failed unexpectedly", e);
        return -Errno.EIO.code;
    }

    private static String rel(String fusePath) {
        return Paths.fromAbsolute(fusePath);
    }

    private Caller caller() {
        FuseContext c = getContext();
        return ids.caller((int) c.uid.longValue(), (int) c.gid.longValue());
    }

    private void fill(FileStat out, Stat st) {
        out.st_ino.set(st.ino());
        out.st_mode.set(st.mode());
        out.st_nlink.set(st.nlink());
        out.st_uid.set(ids.uidInside(st.uid()));
        out.st_gid.set(ids.gidInside(st.gid()));
        out.st_rdev.set(st.rdev());
        out.st_size.set(st.size());
        out.st_blksize.set(st.blksize());
        out.st_blocks.set(st.blocks());
        out.st_atim.tv_sec.set(st.atimeSec());
        out.st_atim.tv_nsec.set(st.atimeNsec());
        out.st_mtim.tv_sec.set(st.mtimeSec());
        out.st_mtim.tv_nsec.set(st.mtimeNsec());
        out.st_ctim.tv_sec.set(st.ctimeSec());
        out.st_ctim.tv_nsec.set(st.ctimeNsec());
    }

    // ---- attributes

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            fill(stat, fs.getattr(rel(path)));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("getattr", path, e);
        }
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return path == null ? -Errno.EBADF.code : getattr(path, stat);
        try {
            fill(stat, f.stat());
            return 0;
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        try {
            byte[] target = fs.readlink(rel(path)).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("readlink", path, e);
        }
    }

    @Override
    public int chmod(String path, long mode) {
        try {
            fs.chmod(rel(path), (int) mode);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("chmod", path, e);
        }
    }

    @Override
    public int chown(String path, long uid, long gid) {
        try {
            Integer u = ids.uidOutside((int) uid), g = ids.gidOutside((int) gid);
            if (u == null || g == null) return -Errno.EINVAL.code;
            fs.chown(rel(path), u, g);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("chown", path, e);
        }
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        try {
            fs.utimens(rel(path), timespec[0].tv_sec.get(), timespec[0].tv_nsec.longValue(),
                    timespec[1].tv_sec.get(), timespec[1].tv_nsec.longValue());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("utimens", path, e);
        }
    }

    @Override
    public int truncate(String path, long size) {
        try {
            fs.truncate(rel(path), size);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("truncate", path, e);
        }
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return path == null ? -Errno.EBADF.code : truncate(path, size);
        try {
            f.truncate(size);
            return 0;
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int access(String path, int mask) {
        try {
            fs.access(rel(path), mask);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("access", path, e);
        }
    }

    @Override
    public int statfs(String path, Statvfs out) {
        try {
            Host.StatFs s = fs.statfs();
            out.f_bsize.set(s.bsize());
            out.f_frsize.set(s.frsize());
            out.f_blocks.set(s.blocks());
            out.f_bfree.set(s.bfree());
            out.f_bavail.set(s.bavail());
            out.f_files.set(s.files());
            out.f_ffree.set(s.ffree());
            out.f_favail.set(s.favail());
            out.f_namemax.set(s.namemax());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("statfs", path, e);
        }
    }

    // ---- extended attributes

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        try {
            byte[] v = fs.getxattr(rel(path), name);
            if (size == 0) return v.length;
            if (size < v.length) return -Errno.ERANGE.code;
            value.put(0, v, 0, v.length);
            return v.length;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("getxattr", path, e);
        }
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        try {
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            fs.setxattr(rel(path), name, v, flags);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("setxattr", path, e);
        }
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        try {
            List<String> names = fs.listxattr(rel(path));
            int total = 0;
            for (String n : names) total += n.getBytes(StandardCharsets.UTF_8).length + 1;
            if (size == 0) return total;
            if (size < total) return -Errno.ERANGE.code;
            int off = 0;
            for (String n : names) {
                byte[] b = n.getBytes(StandardCharsets.UTF_8);
                list.put(off, b, 0, b.length);
                list.putByte(off + b.length, (byte) 0);
                off += b.length + 1;
            }
            return total;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("listxattr", path, e);
        }
    }

    @Override
    public int removexattr(String path, String name) {
        try {
            fs.removexattr(rel(path), name);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("removexattr", path, e);
        }
    }

    // ---- namespace

    @Override
    public int mknod(String path, long mode, long rdev) {
        try {
            if (((int) mode & Stat.S_IFMT) == Stat.S_IFREG) fs.create(rel(path), Host.O_EXCL, (int) mode, caller()).close();
            else fs.mknod(rel(path), (int) mode, rdev, caller());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("mknod", path, e);
        }
    }

    @Override
    public int mkdir(String path, long mode) {
        try {
            fs.mkdir(rel(path), (int) mode, caller());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("mkdir", path, e);
        }
    }

    @Override
    public int unlink(String path) {
        try {
            fs.unlink(rel(path));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("unlink", path, e);
        }
    }

    @Override
    public int rmdir(String path) {
        try {
            fs.rmdir(rel(path));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("rmdir", path, e);
        }
    }

    @Override
    public int symlink(String target, String path) {
        try {
            fs.symlink(target, rel(path), caller());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("symlink", path, e);
        }
    }

    @Override
    public int rename(String from, String to) {
        try {
            fs.rename(rel(from), rel(to), 0);
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("rename", from, e);
        }
    }

    @Override
    public int link(String from, String to) {
        try {
            fs.link(rel(from), rel(to), caller());
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("link", to, e);
        }
    }

    // ---- files

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        try {
            fi.fh.set(files.add(fs.create(rel(path), fi.flags.get() | Host.O_CREAT, (int) mode, caller())));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("create", path, e);
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            fi.fh.set(files.add(fs.open(rel(path), fi.flags.get())));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("open", path, e);
        }
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return -Errno.EBADF.code;
        try {
            return f.read(buf, size, offset);
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return -Errno.EBADF.code;
        try {
            return f.write(buf, size, offset);
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return -Errno.EBADF.code;
        try {
            f.fsync(isdatasync != 0);
            return 0;
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
        UnionFile f = files.get(fi.fh.get());
        if (f == null) return -Errno.EBADF.code;
        try {
            f.fallocate(mode, off, length);
            return 0;
        } catch (FsException e) {
            return errno(e);
        }
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        UnionFile f = files.remove(fi.fh.get());
        if (f != null) f.close();
        return 0;
    }

    // ---- directories

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        try {
            String p = rel(path);
            if (!fs.getattr(p).isDir()) return -Errno.ENOTDIR.code;
            fi.fh.set(dirs.add(p));
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("opendir", path, e);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        String p = dirs.get(fi.fh.get());
        if (p == null) return -Errno.EBADF.code;
        try {
            List<String> names = fs.readdir(p);
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            for (String n : names) if (filter.apply(buf, n, null, 0) != 0) break;
            return 0;
        } catch (FsException e) {
            return errno(e);
        } catch (RuntimeException e) {
            return unexpected("readdir", p, e);
        }
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        dirs.remove(fi.fh.get());
        return 0;
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return 0;
    }
}
