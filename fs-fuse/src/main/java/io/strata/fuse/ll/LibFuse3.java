package io.strata.fuse.ll;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.types.size_t;

/**
 * The libfuse 3 low-level functions this adapter calls (libfuse3.so.3, symbol set FUSE_3.0 and FUSE_3.12; headers
 * fuse_lowlevel.h / fuse_common.h of 3.14). Structures are passed as raw memory laid out by {@link Layout}.
 */
public interface LibFuse3 {
    // ---- replies (each request gets exactly one, forget gets fuse_reply_none)
    int fuse_reply_err(Pointer req, int err);

    void fuse_reply_none(Pointer req);

    int fuse_reply_entry(Pointer req, Pointer entryParam);

    int fuse_reply_create(Pointer req, Pointer entryParam, Pointer fileInfo);

    int fuse_reply_attr(Pointer req, Pointer stat, double attrTimeout);

    int fuse_reply_readlink(Pointer req, Pointer link);

    int fuse_reply_open(Pointer req, Pointer fileInfo);

    int fuse_reply_write(Pointer req, @size_t long count);

    int fuse_reply_buf(Pointer req, Pointer buf, @size_t long size);

    /** Replies with the data a struct fuse_bufvec describes: from a descriptor, libfuse splices it (SPLICE_WRITE). */
    int fuse_reply_data(Pointer req, Pointer bufv, int copyFlags);

    int fuse_reply_statfs(Pointer req, Pointer statvfs);

    int fuse_reply_xattr(Pointer req, @size_t long count);

    @size_t long fuse_add_direntry(Pointer req, Pointer buf, @size_t long bufsize, Pointer name, Pointer stat, long off);

    @size_t long fuse_add_direntry_plus(Pointer req, Pointer buf, @size_t long bufsize, Pointer name, Pointer entryParam,
                                        long off);

    Pointer fuse_req_ctx(Pointer req);

    // ---- session
    Pointer fuse_session_new(Pointer args, Pointer ops, @size_t long opSize, Pointer userdata);

    int fuse_session_mount(Pointer se, String mountpoint);

    int fuse_session_receive_buf(Pointer se, Pointer fuseBuf);

    void fuse_session_process_buf(Pointer se, Pointer fuseBuf);

    int fuse_session_exited(Pointer se);

    void fuse_session_exit(Pointer se);

    /** libfuse's own version, e.g. "3.14.0". */
    String fuse_pkgversion();

    /** The session's /dev/fuse descriptor. */
    int fuse_session_fd(Pointer se);

    void fuse_session_unmount(Pointer se);

    void fuse_session_destroy(Pointer se);

    // ---- notifications (never from a request handler that the kernel waits on: see Notifier)
    int fuse_lowlevel_notify_inval_inode(Pointer se, long ino, long off, long len);

    int fuse_lowlevel_notify_inval_entry(Pointer se, long parent, Pointer name, @size_t long namelen);

    final class Holder {
        static final LibFuse3 LIB = load();

        private static LibFuse3 load() {
            LibraryLoader<LibFuse3> l = LibraryLoader.create(LibFuse3.class).failImmediately();
            try {
                return l.load("fuse3");
            } catch (UnsatisfiedLinkError e) {
                return LibraryLoader.create(LibFuse3.class).failImmediately()
                        .load("/usr/lib/x86_64-linux-gnu/libfuse3.so.3");
            }
        }
    }

    static LibFuse3 get() {
        return Holder.LIB;
    }
}
