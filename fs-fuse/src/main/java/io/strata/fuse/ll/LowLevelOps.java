package io.strata.fuse.ll;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;
import io.strata.core.namei.Listed;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import io.strata.fuse.Handles;
import io.strata.fuse.Ids;
import io.strata.fuse.ll.Nodes.Node;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The FUSE low-level requests, answered from {@link UnionFs}: node ids become union paths through {@link Nodes}, union
 * errors become the errno of the reply. Decides nothing about union semantics. Every request gets exactly one reply
 * (forget: none), also when something unexpected is thrown (EIO, logged).
 *
 * <p>Kernel caches: every entry reply carries the object's attributes; the kernel itself drops what an unlink, rmdir,
 * rename, link or create makes stale (the dentry, the parent's attributes, the nlink of the inode, which all names of a
 * hard-linked file share here), so entries and attributes may be cached long.
 */
final class LowLevelOps {
    private static final Logger LOG = Logger.getLogger(LowLevelOps.class.getName());
    private static final long UNKNOWN_INO = 0xffffffffL;

    private final LibFuse3 lib;
    private final UnionFs fs;
    private final Ids ids;
    private final LlConfig cfg;
    final Nodes nodes;
    private final Handles<OpenFile> files = new Handles<>();
    private final Handles<OpenDir> dirs = new Handles<>();
    /** Listings of directories the kernel opened by itself (noOpendir). */
    private final DirListings listings = new DirListings();
    /**
     * Set at FUSE_INIT: OPENDIR is answered ENOSYS, so the kernel opens directories itself and caches their listings
     * ({@link DirListings}); when cfg.cacheDirs() and cfg.noOpendir() and the kernel can (NO_OPENDIR_SUPPORT).
     */
    private volatile boolean noOpendir;
    private final ThreadLocal<Scratch> scratch;
    /**
     * Inode numbers and nodes: a removal (unlink, rmdir, rename over) frees a number the host may give to the next new
     * object at once, so removing and updating the node table is one step (write), and reading an object's number
     * and finding its node is another (read); else a new file could be handed the node, and kernel inode, of the
     * one just removed.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock numbers = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** An open file; backingId &gt; 0 when the kernel reads and writes its host file itself ({@link Passthrough}). */
    record OpenFile(Node node, UnionFile file, int backingId) {
    }

    /** The session, once FUSE_INIT was answered: for notices. */
    private volatile Pointer session;
    /** Did the kernel agree to HANDLE_KILLPRIV_V2 ({@link KillSuidgid})? */
    private volatile boolean killprivV2;

    /** Set by the session once FUSE_INIT was answered, when passthrough was asked for. */
    private volatile Passthrough passthrough;
    /** cfg.spliceReads(), read once: every READ asks. */
    private final boolean spliceReads;

    /** FUSE_INIT was answered on se; killprivV2: the kernel agreed to HANDLE_KILLPRIV_V2. */
    void initialized(Pointer se, boolean killprivV2) {
        this.killprivV2 = killprivV2;
        this.session = se;
    }

    /** Before each request this thread is about to serve (HANDLE_KILLPRIV_V2): does it ask to clear suid/sgid? */
    void killSuidgidRequested(boolean asked) {
        scratch.get().killSuidgid = asked;
    }

    void passthrough(Passthrough p) {
        this.passthrough = p;
    }

    static final class OpenDir {
        final Node node;
        List<String> names;
        /** With readdirplus: the listing with what it learned, which answers the entries' attributes cheaply. */
        Listed listed;

        OpenDir(Node node) {
            this.node = node;
        }
    }

    /** Per-thread native memory for replies: structures and a growing data buffer. */
    static final class Scratch {
        final Runtime runtime;
        final Pointer entry, stat, fi, statvfs, name, bufvec;
        Pointer data;
        long dataSize;
        /** The request being served asked to clear suid/sgid (HANDLE_KILLPRIV_V2). */
        boolean killSuidgid;

        Scratch(Runtime r) {
            runtime = r;
            entry = jnr.ffi.Memory.allocateDirect(r, Layout.ENTRY_SIZE, true);
            stat = jnr.ffi.Memory.allocateDirect(r, Layout.STAT_SIZE, true);
            fi = jnr.ffi.Memory.allocateDirect(r, Layout.FI_SIZE, true);
            statvfs = jnr.ffi.Memory.allocateDirect(r, Layout.STATVFS_SIZE, true);
            name = jnr.ffi.Memory.allocateDirect(r, 4097, true);
            bufvec = jnr.ffi.Memory.allocateDirect(r, Layout.BUFVEC_SIZE, true);
        }

        /** A one-buffer fuse_bufvec of size bytes of fd from pos. */
        Pointer fdBuffer(int fd, long size, long pos) {
            bufvec.putLong(Layout.BUFVEC_COUNT, 1);
            bufvec.putLong(Layout.BUFVEC_IDX, 0);
            bufvec.putLong(Layout.BUFVEC_OFF, 0);
            int b = Layout.BUFVEC_BUF;
            bufvec.putLong(b + Layout.FUSE_BUF_SIZE_FIELD, size);
            bufvec.putInt(b + Layout.FUSE_BUF_FLAGS, Layout.FUSE_BUF_IS_FD | Layout.FUSE_BUF_FD_SEEK);
            bufvec.putAddress(b + Layout.FUSE_BUF_MEM, 0);
            bufvec.putInt(b + Layout.FUSE_BUF_FD, fd);
            bufvec.putLong(b + Layout.FUSE_BUF_POS, pos);
            return bufvec;
        }

        Pointer data(long size) {
            if (data == null || dataSize < size) {
                dataSize = Math.max(size, 128 * 1024);
                data = jnr.ffi.Memory.allocateDirect(runtime, dataSize, false);
            }
            return data;
        }

        /** The name as a NUL-terminated C string in scratch memory; null if longer than a path. */
        Pointer cstring(byte[] b) {
            if (b.length > 4096) return null;
            name.put(0, b, 0, b.length);
            name.putByte(b.length, (byte) 0);
            return name;
        }
    }

    LowLevelOps(LibFuse3 lib, Runtime runtime, UnionFs fs, Ids ids, LlConfig cfg) throws FsException {
        this.lib = lib;
        this.fs = fs;
        this.ids = ids;
        this.cfg = cfg;
        this.spliceReads = cfg.spliceReads();
        this.nodes = new Nodes(fs.getattr(""));
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(runtime));
    }

    int openHandles() {
        return files.size() + dirs.size();
    }

    // ---------------------------------------------------------------- plumbing

    interface Body {
        void run() throws FsException;
    }

    /** Runs a request; a union error becomes its errno reply, anything else EIO. */
    private void serve(Pointer req, String op, Body b) {
        try {
            b.run();
        } catch (FsException e) {
            lib.fuse_reply_err(req, e.errno().code);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, op + " failed unexpectedly", t);
            lib.fuse_reply_err(req, Errno.EIO.code);
        }
    }

    private Node node(long id) throws FsException {
        Node n = nodes.get(id);
        if (n == null) throw new FsException(Errno.ESTALE, "node " + id);
        return n;
    }

    private String path(Node n) throws FsException {
        String p = nodes.path(n);
        if (p == null) throw new FsException(Errno.ENOENT, n.toString());
        return p;
    }

    private String childPath(Node parent, String name) throws FsException {
        String p = nodes.childPath(parent, name);
        if (p == null) throw new FsException(Errno.ENOENT, name);
        return p;
    }

    private io.strata.core.union.Caller caller(Pointer req) {
        Pointer ctx = lib.fuse_req_ctx(req);
        return ids.caller(ctx.getInt(Layout.CTX_UID), ctx.getInt(Layout.CTX_GID));
    }

    /** The open file of a call's handle, else any open file of the node (the kernel's fstat sends no handle). */
    private UnionFile openFile(Node n, Pointer fi) throws FsException {
        OpenFile f = fi == null ? null : files.get(fi.getLong(Layout.FI_FH));
        if (f != null) return f.file();
        UnionFile any = n.anyOpen();
        if (any == null) throw new FsException(Errno.ENOENT, n.toString());
        return any;
    }

    private OpenFile file(Pointer fi) throws FsException {
        OpenFile f = fi == null ? null : files.get(fi.getLong(Layout.FI_FH));
        if (f == null) throw new FsException(Errno.EBADF);
        return f;
    }

    /** Replies an entry for the object now at (parent, name), counting the kernel's new reference. */
    private void replyEntry(Pointer req, Node parent, String name, String path) throws FsException {
        Stat st;
        Node n;
        numbers.readLock().lock();
        try {
            st = fs.getattr(path);
            n = nodes.remember(parent, name, st);
        } finally {
            numbers.readLock().unlock();
        }
        Pointer e = scratch.get().entry;
        Layout.putEntry(e, n.id, st, ids, cfg.attrTimeout(), cfg.entryTimeout());
        if (lib.fuse_reply_entry(req, e) != 0) nodes.unremember(n);
    }

    /** Whether removing this name removes the object: a directory, or a file's last name (false if nothing is there). */
    private boolean isLastName(String path) {
        try {
            Stat st = fs.getattr(path);
            return st.isDir() || st.nlink() <= 1;
        } catch (FsException e) {
            return false;
        }
    }

    private void ok(Pointer req) {
        lib.fuse_reply_err(req, 0);
    }

    // ---------------------------------------------------------------- session

    void init(Pointer userdata, Pointer conn) {
        int capable = conn.getInt(Layout.CONN_CAPABLE);
        int want = conn.getInt(Layout.CONN_WANT);
        want |= Layout.CAP_ASYNC_READ | Layout.CAP_PARALLEL_DIROPS | Layout.CAP_ATOMIC_O_TRUNC;
        want &= ~(Layout.CAP_WRITEBACK_CACHE | Layout.CAP_SPLICE_READ | Layout.CAP_SPLICE_WRITE | Layout.CAP_SPLICE_MOVE
                | Layout.CAP_READDIRPLUS | Layout.CAP_READDIRPLUS_AUTO | Layout.CAP_DONT_MASK | Layout.CAP_POSIX_ACL
                | Layout.CAP_HANDLE_KILLPRIV);
        switch (cfg.readdirplus()) {
            case "auto" -> want |= Layout.CAP_READDIRPLUS | Layout.CAP_READDIRPLUS_AUTO;
            case "off" -> {
            }
            default -> want |= Layout.CAP_READDIRPLUS;
        }
        switch (cfg.splice()) {
            case "write" -> want |= Layout.CAP_SPLICE_WRITE | Layout.CAP_SPLICE_MOVE;
            case "read" -> want |= Layout.CAP_SPLICE_READ;
            case "both" -> want |= Layout.CAP_SPLICE_WRITE | Layout.CAP_SPLICE_MOVE | Layout.CAP_SPLICE_READ;
            default -> {
            }
        }
        conn.putInt(Layout.CONN_WANT, want & capable);
        noOpendir = cfg.cacheDirs() && cfg.noOpendir() && (capable & Layout.CAP_NO_OPENDIR_SUPPORT) != 0;
        int maxWrite = conn.getInt(Layout.CONN_MAX_WRITE);
        if (Integer.compareUnsigned(cfg.maxWrite(), maxWrite) < 0) conn.putInt(Layout.CONN_MAX_WRITE, cfg.maxWrite());
        conn.putInt(Layout.CONN_TIME_GRAN, 1);
    }

    // ---------------------------------------------------------------- names

    void lookup(Pointer req, long parent, String name) {
        serve(req, "lookup", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            try {
                replyEntry(req, p, name, path);
            } catch (FsException e) {
                if (e.errno() != Errno.ENOENT || cfg.negativeTimeout() <= 0) throw e;
                Pointer ep = scratch.get().entry;
                Layout.putEntry(ep, 0, null, ids, 0, cfg.negativeTimeout());
                lib.fuse_reply_entry(req, ep);
            }
        });
    }

    void forget(Pointer req, long ino, long nlookup) {
        try {
            nodes.forget(ino, nlookup);
        } finally {
            lib.fuse_reply_none(req);
        }
    }

    void forgetMulti(Pointer req, long count, Pointer forgets) {
        try {
            for (long i = 0; i < count; i++) {
                long off = i * Layout.FORGET_SIZE;
                nodes.forget(forgets.getLong(off), forgets.getLong(off + 8));
            }
        } finally {
            lib.fuse_reply_none(req);
        }
    }

    void mknod(Pointer req, long parent, String name, int mode, long rdev) {
        serve(req, "mknod", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            if ((mode & Stat.S_IFMT) == Stat.S_IFREG) fs.create(path, Host.O_EXCL, mode, caller(req)).close();
            else fs.mknod(path, mode, rdev, caller(req));
            replyEntry(req, p, name, path);
        });
    }

    void mkdir(Pointer req, long parent, String name, int mode) {
        serve(req, "mkdir", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            fs.mkdir(path, mode, caller(req));
            replyEntry(req, p, name, path);
        });
    }

    void symlink(Pointer req, String target, long parent, String name) {
        serve(req, "symlink", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            fs.symlink(target, path, caller(req));
            replyEntry(req, p, name, path);
        });
    }

    void link(Pointer req, long ino, long newParent, String newName) {
        serve(req, "link", () -> {
            String from = path(node(ino));
            Node p = node(newParent);
            String to = childPath(p, newName);
            fs.link(from, to, caller(req));
            replyEntry(req, p, newName, to);
        });
    }

    void unlink(Pointer req, long parent, String name) {
        serve(req, "unlink", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            numbers.writeLock().lock();
            try {
                boolean gone = isLastName(path);
                fs.unlink(path);
                nodes.unlinked(p, name, gone);
            } finally {
                numbers.writeLock().unlock();
            }
            ok(req);
        });
    }

    void rmdir(Pointer req, long parent, String name) {
        serve(req, "rmdir", () -> {
            Node p = node(parent);
            numbers.writeLock().lock();
            try {
                fs.rmdir(childPath(p, name));
                nodes.unlinked(p, name, true);
            } finally {
                numbers.writeLock().unlock();
            }
            ok(req);
        });
    }

    void rename(Pointer req, long parent, String name, long newParent, String newName, int flags) {
        serve(req, "rename", () -> {
            Node p1 = node(parent), p2 = node(newParent);
            String to = childPath(p2, newName);
            boolean exchange = (flags & Host.RENAME_EXCHANGE) != 0;
            numbers.writeLock().lock();
            try {
                boolean targetGone = !exchange && isLastName(to);
                fs.rename(childPath(p1, name), to, flags);
                nodes.renamed(p1, name, p2, newName, exchange, targetGone);
            } finally {
                numbers.writeLock().unlock();
            }
            ok(req);
        });
    }

    // ---------------------------------------------------------------- attributes

    void getattr(Pointer req, long ino, Pointer fi) {
        serve(req, "getattr", () -> {
            Node n = node(ino);
            String path = nodes.path(n);
            Stat st = null;
            if (path != null) {
                try {
                    st = fs.getattr(path);
                } catch (FsException e) {
                            if (e.errno() != Errno.ENOENT) throw e;
                }
            }
            if (st == null) st = openFile(n, fi).stat(); // an unlinked open file
            replyAttr(req, st);
        });
    }

    private void replyAttr(Pointer req, Stat st) {
        Pointer sp = scratch.get().stat;
        Layout.putStat(sp, 0, st, ids);
        lib.fuse_reply_attr(req, sp, cfg.attrTimeout());
    }

    void setattr(Pointer req, long ino, Pointer attr, int toSet, Pointer fi) {
        serve(req, "setattr", () -> {
            Node n = node(ino);
            String path = nodes.path(n);
            OpenFile handle = fi == null ? null : files.get(fi.getLong(Layout.FI_FH));
            UnionFile of = handle != null ? handle.file() : path == null ? n.anyOpen() : null;
            if (path == null && of == null) throw new FsException(Errno.ENOENT, n.toString());
            if ((toSet & Layout.SET_MODE) != 0) {
                fs.chmod(requirePath(path, n), attr.getInt(Layout.ST_MODE) & 07777);
            }
            if ((toSet & (Layout.SET_UID | Layout.SET_GID)) != 0) {
                Integer u = ids.uidOutside((toSet & Layout.SET_UID) != 0 ? attr.getInt(Layout.ST_UID) : -1);
                Integer g = ids.gidOutside((toSet & Layout.SET_GID) != 0 ? attr.getInt(Layout.ST_GID) : -1);
                if (u == null || g == null) throw new FsException(Errno.EINVAL);
                fs.chown(requirePath(path, n), u, g);
            }
            if ((toSet & Layout.SET_SIZE) != 0) {
                long size = attr.getLong(Layout.ST_SIZE);
                if (of != null) of.truncate(size);
                else fs.truncate(requirePath(path, n), size);
            }
            if ((toSet & (Layout.SET_ATIME | Layout.SET_MTIME)) != 0) {
                long aSec = 0, aNsec = Host.UTIME_OMIT, mSec = 0, mNsec = Host.UTIME_OMIT;
                if ((toSet & Layout.SET_ATIME_NOW) != 0) aNsec = Host.UTIME_NOW;
                else if ((toSet & Layout.SET_ATIME) != 0) {
                    aSec = attr.getLong(Layout.ST_ATIM);
                    aNsec = attr.getLong(Layout.ST_ATIM + 8);
                }
                if ((toSet & Layout.SET_MTIME_NOW) != 0) mNsec = Host.UTIME_NOW;
                else if ((toSet & Layout.SET_MTIME) != 0) {
                    mSec = attr.getLong(Layout.ST_MTIM);
                    mNsec = attr.getLong(Layout.ST_MTIM + 8);
                }
                fs.utimens(requirePath(path, n), aSec, aNsec, mSec, mNsec);
            }
            Stat st = path != null ? fs.getattr(path) : of.stat();
            if (killSuidgidAsked() && (toSet & (Layout.SET_SIZE | Layout.SET_UID | Layout.SET_GID)) != 0) {
                st = killSuidgid(req, n, path, st, false);
            }
            replyAttr(req, st);
        });
    }

    /**
     * Must an open with these flags of an existing file clear suid/sgid? With HANDLE_KILLPRIV_V2, when the kernel asks.
     * Without it (passthrough, or a kernel without it) the kernel clears them itself before writes and truncates, but
     * not for an O_TRUNC open, whose truncation is the OPEN's (atomic_o_trunc): there the server asks the caller's
     * capabilities as the kernel would (no CAP_FSETID in the host's user namespace).
     */
    private boolean killSuidgidOnTrunc(Pointer req, int openFlags) {
        boolean asked = killSuidgidAsked();
        if ((openFlags & Host.O_TRUNC) == 0) return false;
        if (killprivV2) return asked;
        return !KillSuidgid.hasFsetid(lib.fuse_req_ctx(req).getInt(Layout.CTX_PID));
    }

    /** Did the request being served ask to clear suid/sgid (HANDLE_KILLPRIV_V2)? Once per request. */
    private boolean killSuidgidAsked() {
        Scratch s = scratch.get();
        boolean asked = s.killSuidgid;
        s.killSuidgid = false;
        return asked;
    }

    /**
     * The request asked to clear suid/sgid (a write, truncate or open(O_TRUNC) by a caller without CAP_FSETID, or a
     * chown): the union clears them as the kernel does on a local file system ({@link UnionFs#killSuidgid}; the host
     * does not, for this process writes as root) and returns the attributes after. With notify (n known), the kernel's
     * cached mode is dropped: after a write or an open it would keep the old one, while a setattr's or create's reply
     * carries the new.
     */
    private Stat killSuidgid(Pointer req, Node n, String path, Stat st, boolean notify) throws FsException {
        if (path == null) return st; // an unlinked file keeps its bits: no name can run it
        Stat after = fs.killSuidgid(path, st, gid -> callerInGroup(req, gid));
        Pointer se = session;
        if (after != st && notify && n != null && se != null) lib.fuse_lowlevel_notify_inval_inode(se, n.id, -1, 0);
        return after;
    }

    /**
     * Is the caller in the group that owns a file (gid as on the host), or root (capable, as in_group_or_capable)? Its
     * supplementary groups are read from /proc, as libfuse's fuse_req_getgroups does.
     */
    private boolean callerInGroup(Pointer req, int hostGid) {
        Pointer ctx = lib.fuse_req_ctx(req);
        int gid = ids.gidInside(hostGid);
        if (ctx.getInt(Layout.CTX_UID) == 0 || ctx.getInt(Layout.CTX_GID) == gid) return true;
        return KillSuidgid.supplementaryGroups(ctx.getInt(Layout.CTX_PID)).contains(gid);
    }

    private static String requirePath(String path, Node n) throws FsException {
        if (path == null) throw new FsException(Errno.ENOENT, n.toString());
        return path;
    }

    void readlink(Pointer req, long ino) {
        serve(req, "readlink", () -> {
            byte[] target = fs.readlink(path(node(ino))).getBytes(StandardCharsets.UTF_8);
            Pointer p = scratch.get().cstring(target);
            if (p == null) throw new FsException(Errno.ENAMETOOLONG);
            lib.fuse_reply_readlink(req, p);
        });
    }

    void access(Pointer req, long ino, int mask) {
        serve(req, "access", () -> {
            fs.access(path(node(ino)), mask);
            ok(req);
        });
    }

    void statfs(Pointer req, long ino) {
        serve(req, "statfs", () -> {
            Pointer p = scratch.get().statvfs;
            Layout.putStatvfs(p, fs.statfs());
            lib.fuse_reply_statfs(req, p);
        });
    }

    // ---------------------------------------------------------------- xattrs

    void setxattr(Pointer req, long ino, String name, Pointer value, long size, int flags) {
        serve(req, "setxattr", () -> {
            byte[] v = new byte[(int) size];
            if (size > 0) value.get(0, v, 0, v.length);
            fs.setxattr(path(node(ino)), name, v, flags);
            ok(req);
        });
    }

    void getxattr(Pointer req, long ino, String name, long size) {
        serve(req, "getxattr", () -> {
            byte[] v = fs.getxattr(path(node(ino)), name);
            replyBytes(req, v, v.length, size);
        });
    }

    void listxattr(Pointer req, long ino, long size) {
        serve(req, "listxattr", () -> {
            List<String> names = fs.listxattr(path(node(ino)));
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            for (String n : names) {
                b.writeBytes(n.getBytes(StandardCharsets.UTF_8));
                b.write(0);
            }
            byte[] all = b.toByteArray();
            replyBytes(req, all, all.length, size);
        });
    }

    /** getxattr/listxattr's answer: the size when asked with size 0, ERANGE if it does not fit, else the bytes. */
    private void replyBytes(Pointer req, byte[] v, int len, long size) throws FsException {
        if (size == 0) {
            lib.fuse_reply_xattr(req, len);
            return;
        }
        if (size < len) throw new FsException(Errno.ERANGE);
        Pointer buf = scratch.get().data(Math.max(len, 1));
        buf.put(0, v, 0, len);
        lib.fuse_reply_buf(req, buf, len);
    }

    void removexattr(Pointer req, long ino, String name) {
        serve(req, "removexattr", () -> {
            fs.removexattr(path(node(ino)), name);
            ok(req);
        });
    }

    // ---------------------------------------------------------------- files

    /**
     * Open files keep the kernel's page cache (all writes come through this mount), and close(2) sends no FLUSH
     * (there is nothing to flush: writes go straight to the layer file; fsync is still sent).
     */
    private void setHandle(Pointer fi, long fh) {
        fi.putLong(Layout.FI_FH, fh);
        int bits = fi.getInt(Layout.FI_BITS);
        fi.putInt(Layout.FI_BITS, (bits | Layout.FI_KEEP_CACHE | Layout.FI_NOFLUSH) & ~Layout.FI_DIRECT_IO);
    }

    void create(Pointer req, long parent, String name, int mode, Pointer fi) {
        serve(req, "create", () -> {
            Node p = node(parent);
            String path = childPath(p, name);
            UnionFile f = fs.create(path, fi.getInt(Layout.FI_FLAGS) | Host.O_CREAT, mode, caller(req));
            Node n;
            Stat st;
            numbers.readLock().lock();
            try {
                st = f.created() ? f.stat() : fs.getattr(path); // a new file's fstat is all its attributes
                if (!f.created() && killSuidgidOnTrunc(req, fi.getInt(Layout.FI_FLAGS))) {
                    st = killSuidgid(req, null, path, st, false);
                }
                n = nodes.remember(p, name, st);
            } catch (FsException | RuntimeException e) {
                f.close();
                throw e;
            } finally {
                numbers.readLock().unlock();
            }
            int backing = backingFor(n, f);
            n.opened(f);
            long fh = files.add(new OpenFile(n, f, backing));
            int sent;
            if (backing > 0) { // libfuse 3.14's fuse_reply_create has no backing id: fuse_entry_out + fuse_open_out by hand
                Pointer out = scratch.get().data(Layout.ENTRY_OUT_SIZE + Passthrough.OPEN_OUT_SIZE);
                Layout.putEntryOut(out, n.id, st, ids, cfg.attrTimeout(), cfg.entryTimeout());
                Passthrough.openOut(out.slice(Layout.ENTRY_OUT_SIZE), fh, backing);
                sent = lib.fuse_reply_buf(req, out, Layout.ENTRY_OUT_SIZE + Passthrough.OPEN_OUT_SIZE);
            } else {
                setHandle(fi, fh);
                // an existing file (O_CREAT of an uncached name) may have been written through passthrough since the
                // kernel last cached its pages: this open drops them
                if (passthrough != null && !f.created()) fi.putInt(Layout.FI_BITS, fi.getInt(Layout.FI_BITS) & ~Layout.FI_KEEP_CACHE);
                Pointer e = scratch.get().entry;
                Layout.putEntry(e, n.id, st, ids, cfg.attrTimeout(), cfg.entryTimeout());
                sent = lib.fuse_reply_create(req, e, fi);
            }
            if (sent != 0) {
                nodes.unremember(n);
                close(files.remove(fh));
            }
        });
    }

    void open(Pointer req, long ino, Pointer fi) {
        serve(req, "open", () -> {
            Node n = node(ino);
            String path = path(n);
            UnionFile f = fs.open(path, fi.getInt(Layout.FI_FLAGS));
            if (killSuidgidOnTrunc(req, fi.getInt(Layout.FI_FLAGS))) {
                try {
                    killSuidgid(req, n, path, f.stat(), true);
                } catch (FsException e) {
                    f.close();
                    throw e;
                }
            }
            int backing = backingFor(n, f);
            n.opened(f);
            long fh = files.add(new OpenFile(n, f, backing));
            int sent;
            if (backing > 0) { // libfuse 3.14's fuse_reply_open has no backing id: fuse_open_out by hand
                Pointer out = scratch.get().fi;
                Passthrough.openOut(out, fh, backing);
                sent = lib.fuse_reply_buf(req, out, Passthrough.OPEN_OUT_SIZE);
            } else {
                setHandle(fi, fh);
                sent = lib.fuse_reply_open(req, fi);
            }
            if (sent != 0) {
                close(files.remove(fh));
            }
        });
    }

    /**
     * How the open of n that made f reaches its data: a passthrough backing id, or 0 for the page cache (also when
     * passthrough is off). f is closed if the open cannot be served (ETXTBSY, see {@link Passthrough#opened}).
     */
    private int backingFor(Node n, UnionFile f) throws FsException {
        Passthrough pt = passthrough;
        if (pt == null) return 0;
        try {
            return pt.opened(n.id, f.hostFd());
        } catch (FsException e) {
            f.close();
            throw e;
        }
    }

    private void close(OpenFile f) {
        if (f == null) return;
        f.node().closed(f.file());
        f.file().close();
        Passthrough pt = passthrough;
        if (pt != null) pt.released(f.node().id, f.backingId());
    }

    void read(Pointer req, long ino, long size, long off, Pointer fi) {
        serve(req, "read", () -> {
            OpenFile f = file(fi);
            int fd = spliceReads ? f.file().hostFd() : -1;
            if (fd >= 0) { // libfuse reads the host file into the reply itself: spliced, no copy through this process
                lib.fuse_reply_data(req, scratch.get().fdBuffer(fd, size, off), 0); // replies the error itself
                return;
            }
            if (spliceReads) { // all of the read's bytes in one host file behind the layer (a block store's origin, page file)
                try (HostRange r = f.file().hostRange(off, size)) {
                    if (r != null) {
                        lib.fuse_reply_data(req, scratch.get().fdBuffer(r.fd(), r.length(), r.offset()), 0);
                        return;
                    }
                }
            }
            Pointer buf = scratch.get().data(size);
            int n = f.file().read(buf, size, off);
            lib.fuse_reply_buf(req, buf, n);
        });
    }

    void write(Pointer req, long ino, Pointer buf, long size, long off, Pointer fi) {
        serve(req, "write", () -> {
            OpenFile f = file(fi);
            int n = f.file().write(buf, size, off);
            if (killSuidgidAsked()) killSuidgid(req, f.node(), nodes.path(f.node()), f.file().stat(), true);
            lib.fuse_reply_write(req, n);
        });
    }

    void flush(Pointer req, long ino, Pointer fi) {
        ok(req);
    }

    void release(Pointer req, long ino, Pointer fi) {
        try {
            close(files.remove(fi.getLong(Layout.FI_FH)));
        } finally {
            ok(req);
        }
    }

    void fsync(Pointer req, long ino, int datasync, Pointer fi) {
        serve(req, "fsync", () -> {
            file(fi).file().fsync(datasync != 0);
            ok(req);
        });
    }

    void fallocate(Pointer req, long ino, int mode, long offset, long length, Pointer fi) {
        serve(req, "fallocate", () -> {
            file(fi).file().fallocate(mode, offset, length);
            ok(req);
        });
    }

    // ---------------------------------------------------------------- directories

    void opendir(Pointer req, long ino, Pointer fi) {
        serve(req, "opendir", () -> {
            Node n = node(ino);
            if (!n.isDir()) throw new FsException(Errno.ENOTDIR);
            if (noOpendir) throw new FsException(Errno.ENOSYS); // the kernel opens directories itself from now on
            long fh = dirs.add(new OpenDir(n));
            fi.putLong(Layout.FI_FH, fh);
            if (cfg.cacheDirs()) { // the kernel keeps listings; its own changes of a directory drop them (iversion)
                fi.putInt(Layout.FI_BITS, fi.getInt(Layout.FI_BITS) | Layout.FI_CACHE_READDIR | Layout.FI_KEEP_CACHE);
            }
            if (lib.fuse_reply_open(req, fi) != 0) dirs.remove(fh);
        });
    }

    void releasedir(Pointer req, long ino, Pointer fi) {
        try {
            dirs.remove(fi.getLong(Layout.FI_FH));
        } finally {
            ok(req);
        }
    }

    void fsyncdir(Pointer req, long ino, int datasync, Pointer fi) {
        ok(req);
    }

    /**
     * readdir and readdirplus: "." and ".." then the union's names, from a listing taken at offset 0 (opendir or
     * rewinddir). With plus, each entry carries its node and attributes (one lookup reference each, but . and ..), so
     * a walk needs no LOOKUP or GETATTR per entry. Without a handle (noOpendir) the offsets name the listing
     * ({@link DirListings}).
     */
    void readdir(Pointer req, long ino, long size, long off, Pointer fi, boolean plus) {
        serve(req, plus ? "readdirplus" : "readdir", () -> {
            long fh = fi.getLong(Layout.FI_FH);
            OpenDir d;
            DirListings.Listing listing = null;
            long base = 0, first = off;
            if (fh != 0) {
                d = dirs.get(fh);
                if (d == null) throw new FsException(Errno.EBADF);
                if (off == 0 || d.names == null) list(d, plus);
                // offsets name the handle too: the kernel's listing cache, which readers of a directory fill together,
                // must not take one handle's entries as following another's (their listings differ once it changed)
                base = DirListings.base(fh);
                first = DirListings.index(off);
            } else {
                listing = listings.find(ino, off);
                if (listing == null) {
                    OpenDir fresh = new OpenDir(node(ino));
                    list(fresh, plus);
                    listing = listings.add(fresh);
                }
                d = listing.dir;
                base = listing.base;
                first = DirListings.index(off);
            }
            String dirPath = nodes.path(d.node);
            List<String> names = d.names;
            Scratch s = scratch.get();
            Pointer buf = s.data(size);
            long pos = 0;
            long total = 2L + names.size();
            if (listing != null && first >= total) listings.done(listing);
            for (long i = first; i < total; i++) {
                String name = i == 0 ? "." : i == 1 ? ".." : names.get((int) (i - 2));
                byte[] nb = name.getBytes(StandardCharsets.UTF_8);
                long need = plus ? Layout.direntPlusSize(nb.length) : Layout.direntSize(nb.length);
                if (pos + need > size) break;
                Pointer cname = s.cstring(nb);
                if (cname == null) continue;
                long next = base + i + 1;
                long r;
                if (plus) {
                    Node child = null;
                    if (i < 2) {
                        Layout.putEntry(s.entry, 0, null, ids, 0, 0);
                        s.entry.putLong(Layout.E_ATTR + Layout.ST_INO, d.node.ino);
                        s.entry.putInt(Layout.E_ATTR + Layout.ST_MODE, Stat.S_IFDIR);
                    } else {
                        if (dirPath == null) continue;
                        Stat st;
                        numbers.readLock().lock();
                        try {
                            // a listing of the directory under another name (renamed since) answers by path
                            st = d.listed != null && d.listed.dir().path().equals(dirPath) ? fs.getattr(d.listed, name)
                                    : fs.getattr(dirPath.isEmpty() ? name : dirPath + "/" + name);
                            child = nodes.remember(d.node, name, st);
                        } catch (FsException e) {
                            continue; // gone since the listing
                        } finally {
                            numbers.readLock().unlock();
                        }
                        Layout.putEntry(s.entry, child.id, st, ids, cfg.attrTimeout(), cfg.entryTimeout());
                    }
                    r = lib.fuse_add_direntry_plus(req, buf.slice(pos), size - pos, cname, s.entry, next);
                    if (r > size - pos) {
                        if (child != null) nodes.unremember(child);
                        break;
                    }
                } else {
                    s.stat.putLong(Layout.ST_INO, i < 2 ? d.node.ino : UNKNOWN_INO);
                    s.stat.putInt(Layout.ST_MODE, i < 2 ? Stat.S_IFDIR : 0);
                    r = lib.fuse_add_direntry(req, buf.slice(pos), size - pos, cname, s.stat, next);
                    if (r > size - pos) break;
                }
                pos += r;
            }
            lib.fuse_reply_buf(req, buf, pos);
        });
    }

    /** Takes d's listing (the union's names, and with plus what the listing learned). */
    private void list(OpenDir d, boolean plus) throws FsException {
        String dirPath = nodes.path(d.node);
        d.listed = dirPath != null && plus ? fs.readdirListed(dirPath) : null;
        d.names = dirPath == null ? List.of() : d.listed != null ? d.listed.names() : fs.readdir(dirPath);
    }
}
