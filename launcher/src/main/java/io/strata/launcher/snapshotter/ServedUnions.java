package io.strata.launcher.snapshotter;

import io.strata.core.errno.FsException;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.fuse.FuseMount;
import io.strata.fuse.MountTable;
import io.strata.launcher.UnionMounts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The snapshotter's unions served by its own JVM: one FUSE mount per layered snapshot at {@code ROOT/mounts/ID},
 * handed to containerd as a bind mount, so a container start costs a mount in a warm JVM instead of starting the mount
 * program's JVMs. A mount lives until its snapshot is committed or removed, or the snapshotter stops; mounts left by a
 * snapshotter that was killed are detached when the next one starts.
 */
final class ServedUnions implements AutoCloseable {
    private final Path dir;
    private final Map<String, FuseMount> live = new HashMap<>();

    ServedUnions(Path root) {
        dir = root.resolve("mounts");
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path stale : s.toList()) if (MountTable.isMounted(stale)) MountTable.unmount(stale, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mount point of snapshot id's union (mounted now if it is not): lowers nearest first; upper null = read-only. */
    synchronized Path serve(String id, List<Path> lowers, Path upper, Path work) {
        FuseMount m = live.get(id);
        if (m != null && MountTable.isMounted(m.mountPoint())) return m.mountPoint();
        if (m != null) release(id);
        try {
            Path mp = Files.createDirectories(dir.resolve(id));
            MountOptions o = MountOptions.parse(List.of(upper == null ? "ro," + UnionMounts.options(lowers, null, null)
                    : UnionMounts.options(lowers, upper, work)));
            UnionFs fs = new UnionFs(LayerDirs.open(o));
            live.put(id, FuseMount.start(fs, o, mp, "strata-snapshot-" + id));
            return mp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (FsException e) {
            throw new IllegalStateException("snapshot " + id + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts snapshot id's union, if this JVM serves one. */
    synchronized void release(String id) {
        FuseMount m = live.remove(id);
        if (m == null) return;
        m.close();
        try {
            Files.deleteIfExists(m.mountPoint());
        } catch (IOException e) {
            System.err.println("strata snapshotter: " + m.mountPoint() + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        for (String id : new ArrayList<>(live.keySet())) release(id);
    }
}
