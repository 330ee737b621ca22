package io.strata.fuse;

import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import jnr.ffi.Struct;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Serves a {@link UnionFs} at a mount point through libfuse 2 (jnr-fuse). The FUSE options are chosen here, by
 * measurement (benchmarks/RESULTS.md): inode numbers from the union (use_ino), kernel-side permission checks,
 * big writes, the page cache kept across opens unless the file changed (auto_cache), short entry caches. libfuse2's
 * high-level API gives every name its own kernel inode, so two names of one hard-linked file would show each other's
 * changes only after attr_timeout: it is 0 (and auto_cache, not kernel_cache, so data is right on every open).
 */
public final class FuseMount implements AutoCloseable {
    private final StrataFuse fuse;
    private final Path mountPoint;
    private final Thread loop;
    private final OptionalLong connection;

    private FuseMount(StrataFuse fuse, Path mountPoint, Thread loop) {
        this.fuse = fuse;
        this.mountPoint = mountPoint;
        this.loop = loop;
        this.connection = FuseConnection.of(mountPoint);
    }

    /** The libfuse argv (after the mount point) for these options. */
    public static String[] fuseArgs(MountOptions o, String source) {
        List<String> opts = new ArrayList<>(List.of("fsname=" + source.replace(",", "\\,"), "subtype=strata", "use_ino",
                "default_permissions", "hard_remove", "big_writes", "max_write=131072", "auto_cache",
                "entry_timeout=1", "attr_timeout=0", "negative_timeout=1", "atomic_o_trunc"));
        // as root, device nodes and set-id files in the union work as in kernel overlayfs (libfuse defaults to nodev,nosuid)
        if (isRoot()) opts.addAll(List.of("allow_other", "dev", "suid"));
        if (o.readOnly()) opts.add("ro");
        opts.addAll(o.fuseOptions());
        List<String> args = new ArrayList<>(List.of("-o", String.join(",", opts)));
        if (!"multi".equals(System.getProperty("strata.fuse.threads", "multi"))) args.add("-s");
        return args.toArray(String[]::new);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static StrataFuse adapter(UnionFs fs, MountOptions o) {
        StrataFuse fuse = new StrataFuse(fs, o.uidMapping(), o.gidMapping());
        // nullpath_ok | nopath | utime_omit_ok: handle-based calls do not need (or pay for) a path
        var ops = fuse.operations();
        Struct.getMemory(ops).putByte(flagsOffset(ops), (byte) 0x7);
        return fuse;
    }

    /** Offset of libfuse's flag bitfield in struct fuse_operations (jnr-fuse declares it but hides the offset). */
    private static long flagsOffset(Object ops) {
        try {
            Object member = ops.getClass().getField("flag_nullpath_ok").get(ops);
            java.lang.reflect.Method offset = Class.forName("jnr.ffi.Struct$Member").getDeclaredMethod("offset");
            offset.setAccessible(true);
            return (long) offset.invoke(member);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("jnr-fuse layout changed: " + e, e);
        }
    }

    /**
     * Which adapter serves the mount, from -Dstrata.fuse.api: "ll" (the default: libfuse 3's low-level API,
     * {@link io.strata.fuse.ll.LowLevelMount}) or "hl" (libfuse 2's high-level API through jnr-fuse, {@link StrataFuse}).
     */
    public static boolean lowLevel() {
        String api = System.getProperty("strata.fuse.api", "ll");
        if (!api.equals("hl") && !api.equals("ll")) throw new IllegalArgumentException("strata.fuse.api=" + api + ": hl or ll");
        return api.equals("ll");
    }

    /**
     * The FUSE library line of {@code --version}, in fuse-overlayfs' words: "FUSE library version 3.14.0" for the
     * low-level adapter (libfuse3 as it reports itself), "FUSE library version 2.9 (jnr-fuse)" for the high-level one.
     */
    public static String libraryVersionLine() {
        if (!lowLevel()) return "FUSE library version 2.9 (jnr-fuse)";
        try {
            return "FUSE library version " + io.strata.fuse.ll.LibFuse3.get().fuse_pkgversion();
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            return "FUSE library version 3 (libfuse3 not found)";
        }
    }

    private static io.strata.fuse.ll.LowLevelMount lowLevelAdapter(UnionFs fs, MountOptions o, String source) {
        return io.strata.fuse.ll.LowLevelMount.create(fs, o, fuseArgs(o, source), isRoot());
    }

    /** Mounts and serves until the file system is unmounted (umount, fusermount3 -u, SIGTERM). */
    public static void serve(UnionFs fs, MountOptions o, Path mountPoint, String source) {
        serve(fs, o, mountPoint, source, () -> {
        });
    }

    /**
     * As {@link #serve(UnionFs, MountOptions, Path, String)}; onMounted runs once the mount is live (on another
     * thread), e.g. to tell a waiting parent that it may return.
     */
    public static void serve(UnionFs fs, MountOptions o, Path mountPoint, String source, Runnable onMounted) {
        if (lowLevel()) {
            var ll = lowLevelAdapter(fs, o, source);
            // SIGTERM/SIGINT run the JVM's shutdown hooks: unmount, so that the loop ends and nothing stays behind
            Thread hook = new Thread(() -> MountTable.unmount(mountPoint, true), "strata-unmount");
            Runtime.getRuntime().addShutdownHook(hook);
            whenMounted(onMounted, () -> ll.awaitMounted(60_000));
            ll.run(mountPoint);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what ended the loop
            }
            return;
        }
        StrataFuse fuse = adapter(fs, o);
        whenMounted(onMounted, () -> MountTable.awaitMounted(mountPoint, 60_000, null));
        fuse.mount(mountPoint, true, o.debug(), fuseArgs(o, source));
    }

    private interface MountWait {
        boolean await() throws InterruptedException;
    }

    /** Runs onMounted on a daemon thread once wait says the mount is live; not at all if it failed or timed out. */
    private static void whenMounted(Runnable onMounted, MountWait wait) {
        Thread t = new Thread(() -> {
            try {
                if (wait.await()) onMounted.run();
            } catch (InterruptedException | RuntimeException failed) {
                // the serving thread reports a failed mount
            }
        }, "strata-mounted");
        t.setDaemon(true);
        t.start();
    }

    /** Mounts on a background thread and returns once the mount is live (tests, the store daemon). */
    public static FuseMount start(UnionFs fs, MountOptions o, Path mountPoint, String source) {
        if (lowLevel()) {
            var ll = lowLevelAdapter(fs, o, source);
            Thread t = new Thread(() -> ll.run(mountPoint), "fuse-ll-" + mountPoint.getFileName());
            t.setDaemon(true);
            t.start();
            try {
                if (!ll.awaitMounted(20_000) || !MountTable.awaitMounted(mountPoint, 20_000, null)) {
                    throw new IllegalStateException("mount at " + mountPoint + " did not appear");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while mounting " + mountPoint, e);
            }
            return new FuseMount(null, mountPoint, t);
        }
        StrataFuse fuse = adapter(fs, o);
        String[] args = fuseArgs(o, source);
        Thread t = new Thread(() -> fuse.mount(mountPoint, true, o.debug(), args), "fuse-" + mountPoint.getFileName());
        t.setDaemon(true);
        t.start();
        if (!MountTable.awaitMounted(mountPoint, 20_000, null)) {
            throw new IllegalStateException("mount at " + mountPoint + " did not appear");
        }
        return new FuseMount(fuse, mountPoint, t);
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /**
     * Unmounts (lazily if busy) and waits for the FUSE loop to end. A lazily detached mount stays served while a process
     * holds a file in it: after a grace period its connection is aborted (those processes get ENOTCONN, as when a FUSE
     * server dies), so that once this returns nothing serves from what the caller closes next. {@link #ended} says
     * whether the loop did end.
     */
    @Override
    public void close() {
        if (detach()) return;
        try {
            loop.join(GRACE_MILLIS);
            if (loop.isAlive() && connection.isPresent()) {
                FuseConnection.abort(connection.getAsLong());
                loop.join(60_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Unmounts; when the mount is not busy, waits for the loop to end and returns true. A busy mount is detached lazily
     * and served on until its last file is closed (then the loop ends by itself: {@link #ended}); false.
     */
    public boolean detach() {
        boolean clean = MountTable.unmount(mountPoint, false);
        if (!clean) MountTable.unmount(mountPoint, true);
        MountTable.awaitUnmounted(mountPoint, 10_000);
        if (!clean) return false;
        try {
            loop.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ended();
    }

    /** How long a lazily detached mount is served on for the processes that still use it. */
    static final long GRACE_MILLIS = Long.getLong("strata.fuse.unmountGraceMillis", 5_000);

    /** Whether the FUSE loop has ended (after {@link #close}: false only if it would not, even aborted). */
    public boolean ended() {
        return !loop.isAlive();
    }

    /**
     * Whether renameat2 flags reach the union: libfuse2's high-level API has no RENAME2 (the kernel answers EINVAL);
     * the low-level adapter passes them.
     */
    public static boolean passesRenameFlags() {
        return lowLevel();
    }
}
