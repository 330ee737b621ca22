package io.strata.launcher.snapshotter;

import io.strata.core.errno.FsException;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.layer.LayerStack;
import io.strata.core.union.UnionFs;
import io.strata.core.usage.DiskUsage;
import io.strata.core.usage.UpperUsage;
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
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The snapshotter's unions served by its own JVM: one FUSE mount per layered snapshot at {@code ROOT/mounts/ID},
 * handed to containerd as a bind mount, so a container start costs a mount in a warm JVM instead of starting the mount
 * program's JVMs. A mount lives until its snapshot is committed or removed, or the snapshotter stops; mounts left by a
 * snapshotter that was killed are detached when the next one starts. Writable unions count their upper's usage
 * ({@code usage=on}): {@link #usage} answers from those counters, saved beside the upper when the union goes.
 */
final class ServedUnions implements AutoCloseable {
    private final Path dir;
    private final Map<String, FuseMount> live = new HashMap<>();
    private final Map<String, UpperUsage> usage = new HashMap<>();

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
                    : UnionMounts.options(lowers, upper, work) + ",usage=on"));
            LayerStack stack = LayerDirs.open(o);
            Optional<UpperUsage> counted = UpperUsage.of(stack);
            try {
                live.put(id, FuseMount.start(new UnionFs(stack), o, mp, "strata-snapshot-" + id));
            } catch (FsException | RuntimeException e) {
                counted.ifPresent(UpperUsage::close);
                throw e;
            }
            counted.ifPresent(u -> usage.put(id, u));
            return mp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (FsException e) {
            throw new IllegalStateException("snapshot " + id + ": " + e.getMessage(), e);
        }
    }

    /** The usage counters of snapshot id's upper, while this JVM serves its union. */
    synchronized Optional<DiskUsage.Usage> usage(String id) {
        return Optional.ofNullable(usage.get(id)).map(UpperUsage::current);
    }

    /** Unmounts snapshot id's union, if this JVM serves one, and saves its usage counters beside its upper. */
    synchronized void release(String id) {
        FuseMount m = live.remove(id);
        UpperUsage u = usage.remove(id);
        if (m == null) {
            if (u != null) u.close();
            return;
        }
        try {
            m.close();
        } finally {
            if (u != null) u.close();
        }
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
