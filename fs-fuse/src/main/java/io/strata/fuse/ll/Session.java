package io.strata.fuse.ll;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One libfuse 3 session: fuse_session_new with the ops table, fuse_session_mount, the request loop (on N Java
 * threads, see {@link #serveRequests}), then unmount and destroy. The loop ends when the file system is unmounted
 * (fusermount3 -u, umount).
 */
final class Session {
    private final LibFuse3 lib;
    private final Runtime runtime;
    private final LowLevelOps ops;
    private final LlConfig cfg;
    private final OpsTable table;
    private final List<Object> keep = new ArrayList<>();
    private final RequestCounts counts = RequestCounts.fromProperty();
    private final ReaderTurns turns;
    /** The kernel agreed to FUSE_HANDLE_KILLPRIV_V2 at FUSE_INIT: requests say when to clear suid/sgid. */
    private volatile boolean killprivV2;
    private final CountDownLatch mounted = new CountDownLatch(1);
    private volatile Throwable failure;

    Session(LibFuse3 lib, Runtime runtime, LowLevelOps ops, LlConfig cfg) {
        this.lib = lib;
        this.runtime = runtime;
        this.ops = ops;
        this.cfg = cfg;
        this.table = buildTable(runtime, ops);
        this.turns = cfg.readerTurns() && cfg.multiThreaded() && cfg.maxThreads() > 1 ? new ReaderTurns() : null;
    }

    private static OpsTable buildTable(Runtime runtime, LowLevelOps o) {
        OpsTable t = new OpsTable(runtime);
        t.set(Callbacks.INIT, Callbacks.Init.class, o::init);
        t.set(Callbacks.DESTROY, Callbacks.Destroy.class, userdata -> {
        });
        t.set(Callbacks.LOOKUP, Callbacks.ReqInoName.class, o::lookup);
        t.set(Callbacks.FORGET, Callbacks.Forget.class, o::forget);
        t.set(Callbacks.GETATTR, Callbacks.ReqInoFi.class, o::getattr);
        t.set(Callbacks.SETATTR, Callbacks.SetAttr.class, o::setattr);
        t.set(Callbacks.READLINK, Callbacks.ReqIno.class, o::readlink);
        t.set(Callbacks.MKNOD, Callbacks.Mknod.class, o::mknod);
        t.set(Callbacks.MKDIR, Callbacks.Mkdir.class, o::mkdir);
        t.set(Callbacks.UNLINK, Callbacks.ReqInoName.class, o::unlink);
        t.set(Callbacks.RMDIR, Callbacks.ReqInoName.class, o::rmdir);
        t.set(Callbacks.SYMLINK, Callbacks.Symlink.class, o::symlink);
        t.set(Callbacks.RENAME, Callbacks.Rename.class, o::rename);
        t.set(Callbacks.LINK, Callbacks.Link.class, o::link);
        t.set(Callbacks.OPEN, Callbacks.ReqInoFi.class, o::open);
        t.set(Callbacks.READ, Callbacks.ReqInoSizeOffFi.class, o::read);
        t.set(Callbacks.WRITE, Callbacks.Write.class, o::write);
        t.set(Callbacks.FLUSH, Callbacks.ReqInoFi.class, o::flush);
        t.set(Callbacks.RELEASE, Callbacks.ReqInoFi.class, o::release);
        t.set(Callbacks.FSYNC, Callbacks.Fsync.class, o::fsync);
        t.set(Callbacks.OPENDIR, Callbacks.ReqInoFi.class, o::opendir);
        t.set(Callbacks.READDIR, Callbacks.ReqInoSizeOffFi.class,
                (req, ino, size, off, fi) -> o.readdir(req, ino, size, off, fi, false));
        t.set(Callbacks.RELEASEDIR, Callbacks.ReqInoFi.class, o::releasedir);
        t.set(Callbacks.FSYNCDIR, Callbacks.Fsync.class, o::fsyncdir);
        t.set(Callbacks.STATFS, Callbacks.ReqIno.class, o::statfs);
        t.set(Callbacks.SETXATTR, Callbacks.SetXattr.class, o::setxattr);
        t.set(Callbacks.GETXATTR, Callbacks.GetXattr.class, o::getxattr);
        t.set(Callbacks.LISTXATTR, Callbacks.ListXattr.class, o::listxattr);
        t.set(Callbacks.REMOVEXATTR, Callbacks.ReqInoName.class, o::removexattr);
        t.set(Callbacks.ACCESS, Callbacks.Access.class, o::access);
        t.set(Callbacks.CREATE, Callbacks.Create.class, o::create);
        t.set(Callbacks.FORGET_MULTI, Callbacks.ForgetMulti.class, o::forgetMulti);
        t.set(Callbacks.FALLOCATE, Callbacks.Fallocate.class, o::fallocate);
        t.set(Callbacks.READDIRPLUS, Callbacks.ReqInoSizeOffFi.class,
                (req, ino, size, off, fi) -> o.readdir(req, ino, size, off, fi, true));
        return t;
    }

    /** A NUL-terminated copy of s in native memory, kept for the session's lifetime. */
    private Pointer cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Pointer p = Memory.allocateDirect(runtime, b.length + 1, true);
        p.put(0, b, 0, b.length);
        keep.add(p);
        return p;
    }

    /** Mounts and runs the loop on this thread until the file system is unmounted. */
    void run(List<String> argv, Path mountPoint) throws InterruptedException {
        Pointer se = null;
        try {
            Pointer argvArray = Memory.allocateDirect(runtime, 8L * (argv.size() + 1), true);
            for (int i = 0; i < argv.size(); i++) argvArray.putPointer(8L * i, cstring(argv.get(i)));
            keep.add(argvArray);
            Pointer args = Memory.allocateDirect(runtime, Layout.ARGS_SIZE, true);
            keep.add(args);
            args.putInt(Layout.ARGS_ARGC, argv.size());
            args.putPointer(Layout.ARGS_ARGV, argvArray);
            args.putInt(Layout.ARGS_ALLOCATED, 0);
            se = lib.fuse_session_new(args, table.pointer(), table.size(), null);
            if (se == null) throw new IllegalStateException("fuse_session_new refused the options " + argv);
            if (lib.fuse_session_mount(se, mountPoint.toString()) != 0) {
                throw new IllegalStateException("fuse_session_mount " + mountPoint + " failed");
            }
            mounted.countDown();
            serveRequests(se);
            lib.fuse_session_unmount(se);
            if (counts != null) counts.write();
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            mounted.countDown();
            if (se != null) lib.fuse_session_destroy(se);
        }
    }

    /**
     * The request loop: N Java threads, each receiving requests from /dev/fuse and dispatching them
     * (fuse_session_receive_buf + fuse_session_process_buf, what libfuse's own loops do). Not libfuse's
     * multi-threaded loop (fuse_session_loop_mt): its native threads enter the JVM through jnr's closures, which
     * cost 2-4x the server CPU of the single-threaded loop on a Java thread in the quick benchmark (a JVM
     * attach per callback is the likely cause); these workers are Java threads. The loop ends when the kernel says
     * the mount is gone (ENODEV). Which worker reads next is decided by {@link ReaderTurns} (unless
     * -Dstrata.fuse.ll.readerTurns=false): one reads while the others park, unless a request may block.
     */
    private void serveRequests(Pointer se) throws InterruptedException {
        firstRequest(se);
        int n = cfg.multiThreaded() ? Math.max(1, cfg.maxThreads()) : 1;
        List<Thread> extra = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            Thread t = new Thread(null, () -> worker(se), "fuse-ll-worker-" + i, 2 << 20);
            t.setDaemon(true);
            t.start();
            extra.add(t);
        }
        worker(se);
        for (Thread t : extra) t.join();
    }

    /**
     * Serves the first request, FUSE_INIT, before any worker reads /dev/fuse, with what libfuse 3.14 cannot ask for
     * ({@link InitReply}): HANDLE_KILLPRIV_V2, and passthrough when configured; the ops use them from then on if the
     * kernel agreed.
     */
    private void firstRequest(Pointer se) {
        Pointer fbuf = Memory.allocateDirect(runtime, Layout.FUSE_BUF_SIZE, true);
        Pointer mem = Memory.allocateDirect(runtime, RECEIVE_BUFFER, false);
        fbuf.putPointer(Layout.FUSE_BUF_MEM, mem);
        fbuf.putInt(Layout.FUSE_BUF_FLAGS, 0);
        int res;
        do {
            res = lib.fuse_session_receive_buf(se, fbuf);
        } while (res == -4); // EINTR
        if (res <= 0) return; // the workers see the same end
        int opcode = mem.getInt(Layout.IN_OPCODE);
        if (counts != null) counts.count(opcode);
        if (opcode != 26 /* INIT */ || (fbuf.getInt(Layout.FUSE_BUF_FLAGS) & Layout.FUSE_BUF_IS_FD) != 0) {
            lib.fuse_session_process_buf(se, fbuf);
            return;
        }
        InitReply.Agreed a = InitReply.serve(lib, se, fbuf, mem, cfg.killprivV2(), cfg.passthrough());
        killprivV2 = a.killprivV2();
        ops.initialized(se, killprivV2);
        if (a.passthrough()) ops.passthrough(new Passthrough(lib.fuse_session_fd(se)));
        else if (cfg.passthrough()) System.err.println("strata: no FUSE passthrough: " + a.refusal());
        keepAlive(mem);
    }

    /** Receive buffer: libfuse 3.14 reads up to se->bufsize = 256 pages + 4 KiB; room for larger max_pages too. */
    private static final long RECEIVE_BUFFER = (4L << 20) + (64 << 10);

    private void worker(Pointer se) {
        Pointer fbuf = Memory.allocateDirect(runtime, Layout.FUSE_BUF_SIZE, true);
        Pointer mem = Memory.allocateDirect(runtime, RECEIVE_BUFFER, false);
        try {
            boolean lastMayBlock = false;
            while (lib.fuse_session_exited(se) == 0) {
                if (turns != null && !turns.awaitTurn(lastMayBlock)) break;
                fbuf.putPointer(Layout.FUSE_BUF_MEM, mem);
                fbuf.putInt(Layout.FUSE_BUF_FLAGS, 0);
                int res = -1;
                int opcode = -1;
                try {
                    res = lib.fuse_session_receive_buf(se, fbuf);
                    // a spliced request sits in a pipe, not in mem: its opcode is unknown (0)
                    if (res > 0) opcode = (fbuf.getInt(Layout.FUSE_BUF_FLAGS) & Layout.FUSE_BUF_IS_FD) != 0 ? 0 : mem.getInt(Layout.IN_OPCODE);
                } finally {
                    if (turns != null) lastMayBlock = turns.received(opcode, res);
                }
                if (res == -4) continue; // EINTR
                if (res <= 0) break;
                if (counts != null) counts.count(opcode);
                if (killprivV2) ops.killSuidgidRequested(KillSuidgid.requested(opcode, mem));
                lib.fuse_session_process_buf(se, fbuf);
            }
        } catch (Throwable t) {
            System.err.println("strata: FUSE worker " + Thread.currentThread().getName() + " ended: " + t);
        } finally {
            lib.fuse_session_exit(se); // the other workers end with their next read (ENODEV once unmounted)
            if (turns != null) turns.close(); // or, parked, now
            keepAlive(mem);
        }
    }

    private static void keepAlive(Object o) {
        java.lang.ref.Reference.reachabilityFence(o);
    }

    /** Waits until the mount is live (true), the session failed (throws) or the timeout passed (false). */
    boolean awaitMounted(long millis) throws InterruptedException {
        boolean done = mounted.await(millis, TimeUnit.MILLISECONDS);
        if (failure != null) throw new IllegalStateException("mount failed: " + failure.getMessage(), failure);
        return done;
    }
}
