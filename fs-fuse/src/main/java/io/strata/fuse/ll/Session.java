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
 * One libfuse 3 session: fuse_session_new with the ops table, fuse_session_mount, the request loop (multi-threaded
 * with a fuse_loop_config, or single), then unmount and destroy. The loop ends when the file system is unmounted
 * (fusermount3 -u, umount).
 */
final class Session {
    private final LibFuse3 lib;
    private final Runtime runtime;
    private final LowLevelOps ops;
    private final LlConfig cfg;
    private final OpsTable table;
    private final List<Object> keep = new ArrayList<>();
    private final CountDownLatch mounted = new CountDownLatch(1);
    private volatile Throwable failure;

    Session(LibFuse3 lib, Runtime runtime, LowLevelOps ops, LlConfig cfg) {
        this.lib = lib;
        this.runtime = runtime;
        this.ops = ops;
        this.cfg = cfg;
        this.table = buildTable(runtime, ops);
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
    void run(List<String> argv, Path mountPoint) {
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
            int rc;
            if (cfg.multiThreaded()) {
                Pointer lc = lib.fuse_loop_cfg_create();
                lib.fuse_loop_cfg_set_max_threads(lc, cfg.maxThreads());
                lib.fuse_loop_cfg_set_idle_threads(lc, cfg.maxThreads());
                try {
                    rc = lib.fuse_session_loop_mt_312(se, lc);
                } finally {
                    lib.fuse_loop_cfg_destroy(lc);
                }
            } else {
                rc = lib.fuse_session_loop(se);
            }
            if (rc < 0) System.err.println("strata: fuse session loop ended with " + rc);
            lib.fuse_session_unmount(se);
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            mounted.countDown();
            if (se != null) lib.fuse_session_destroy(se);
        }
    }

    /** Waits until the mount is live (true), the session failed (throws) or the timeout passed (false). */
    boolean awaitMounted(long millis) throws InterruptedException {
        boolean done = mounted.await(millis, TimeUnit.MILLISECONDS);
        if (failure != null) throw new IllegalStateException("mount failed: " + failure.getMessage(), failure);
        return done;
    }
}
