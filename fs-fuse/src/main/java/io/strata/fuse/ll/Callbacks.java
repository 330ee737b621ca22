package io.strata.fuse.ll;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.size_t;

/**
 * The struct fuse_lowlevel_ops members this adapter fills, as jnr-ffi closures, in the order (slot = offset / 8) of
 * fuse_lowlevel.h 3.14. fuse_ino_t, off_t, dev_t and uint64_t are Java longs; mode_t and unsigned int are ints.
 */
final class Callbacks {
    private Callbacks() {
    }

    static final int INIT = 0, DESTROY = 1, LOOKUP = 2, FORGET = 3, GETATTR = 4, SETATTR = 5, READLINK = 6, MKNOD = 7,
            MKDIR = 8, UNLINK = 9, RMDIR = 10, SYMLINK = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16,
            FLUSH = 17, RELEASE = 18, FSYNC = 19, OPENDIR = 20, READDIR = 21, RELEASEDIR = 22, FSYNCDIR = 23,
            STATFS = 24, SETXATTR = 25, GETXATTR = 26, LISTXATTR = 27, REMOVEXATTR = 28, ACCESS = 29, CREATE = 30,
            GETLK = 31, SETLK = 32, BMAP = 33, IOCTL = 34, POLL = 35, WRITE_BUF = 36, RETRIEVE_REPLY = 37,
            FORGET_MULTI = 38, FLOCK = 39, FALLOCATE = 40, READDIRPLUS = 41, COPY_FILE_RANGE = 42, LSEEK = 43;

    public interface Init {
        @Delegate void call(Pointer userdata, Pointer conn);
    }

    public interface Destroy {
        @Delegate void call(Pointer userdata);
    }

    /** lookup, unlink, rmdir, removexattr: (req, ino, name). */
    public interface ReqInoName {
        @Delegate void call(Pointer req, long ino, String name);
    }

    public interface Forget {
        @Delegate void call(Pointer req, long ino, long nlookup);
    }

    /** getattr, open, flush, release, opendir, releasedir: (req, ino, fi). */
    public interface ReqInoFi {
        @Delegate void call(Pointer req, long ino, Pointer fi);
    }

    public interface SetAttr {
        @Delegate void call(Pointer req, long ino, Pointer attr, int toSet, Pointer fi);
    }

    /** readlink, statfs: (req, ino). */
    public interface ReqIno {
        @Delegate void call(Pointer req, long ino);
    }

    public interface Mknod {
        @Delegate void call(Pointer req, long parent, String name, int mode, long rdev);
    }

    public interface Mkdir {
        @Delegate void call(Pointer req, long parent, String name, int mode);
    }

    public interface Symlink {
        @Delegate void call(Pointer req, String link, long parent, String name);
    }

    public interface Rename {
        @Delegate void call(Pointer req, long parent, String name, long newParent, String newName, int flags);
    }

    public interface Link {
        @Delegate void call(Pointer req, long ino, long newParent, String newName);
    }

    /** read, readdir, readdirplus: (req, ino, size, off, fi). */
    public interface ReqInoSizeOffFi {
        @Delegate void call(Pointer req, long ino, @size_t long size, long off, Pointer fi);
    }

    public interface Write {
        @Delegate void call(Pointer req, long ino, Pointer buf, @size_t long size, long off, Pointer fi);
    }

    /** fsync, fsyncdir: (req, ino, datasync, fi). */
    public interface Fsync {
        @Delegate void call(Pointer req, long ino, int datasync, Pointer fi);
    }

    public interface SetXattr {
        @Delegate void call(Pointer req, long ino, String name, Pointer value, @size_t long size, int flags);
    }

    public interface GetXattr {
        @Delegate void call(Pointer req, long ino, String name, @size_t long size);
    }

    public interface ListXattr {
        @Delegate void call(Pointer req, long ino, @size_t long size);
    }

    public interface Access {
        @Delegate void call(Pointer req, long ino, int mask);
    }

    public interface Create {
        @Delegate void call(Pointer req, long parent, String name, int mode, Pointer fi);
    }

    public interface ForgetMulti {
        @Delegate void call(Pointer req, @size_t long count, Pointer forgets);
    }

    public interface Fallocate {
        @Delegate void call(Pointer req, long ino, int mode, long offset, long length, Pointer fi);
    }
}
