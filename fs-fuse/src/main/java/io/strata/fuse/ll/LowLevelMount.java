package io.strata.fuse.ll;

import io.strata.core.errno.FsException;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.fuse.Ids;
import jnr.ffi.Runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * Serves a {@link UnionFs} through libfuse 3's low-level API: the entry point FuseMount uses with
 * -Dstrata.fuse.api=ll. The libfuse mount options are FuseMount's (see {@link LlConfig#sessionArgs}).
 */
public final class LowLevelMount {
    private final Session session;
    private final LowLevelOps ops;
    private final List<String> argv;

    private LowLevelMount(UnionFs fs, MountOptions o, String[] highLevelArgs, boolean root) {
        LibFuse3 lib = LibFuse3.get();
        Runtime runtime = Runtime.getRuntime(lib);
        LlConfig cfg = LlConfig.of(o);
        try {
            this.ops = new LowLevelOps(lib, runtime, fs, new Ids(o.uidMapping(), o.gidMapping()), cfg);
        } catch (FsException e) {
            throw new IllegalStateException("cannot stat the union's root: " + e.getMessage(), e);
        }
        this.session = new Session(lib, runtime, ops, cfg);
        this.argv = LlConfig.sessionArgs(highLevelArgs, root, cfg.debug());
    }

    public static LowLevelMount create(UnionFs fs, MountOptions o, String[] highLevelArgs, boolean root) {
        return new LowLevelMount(fs, o, highLevelArgs, root);
    }

    /** Mounts and serves on this thread until unmounted. */
    public void run(Path mountPoint) {
        try {
            session.run(argv, mountPoint);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After {@link #run} started on another thread: true once mounted; throws if the session failed. */
    public boolean awaitMounted(long millis) throws InterruptedException {
        return session.awaitMounted(millis);
    }

    public List<String> argv() {
        return argv;
    }

    public int openHandles() {
        return ops.openHandles();
    }

    public int nodes() {
        return ops.nodes.size();
    }
}
