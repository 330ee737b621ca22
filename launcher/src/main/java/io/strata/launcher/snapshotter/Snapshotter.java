package io.strata.launcher.snapshotter;

import io.strata.core.errno.FsException;
import io.strata.core.layerfs.HostFs;
import io.strata.core.usage.DiskUsage;
import io.strata.core.usage.UsageFile;
import io.strata.launcher.snapshotter.Snapshot.Kind;
import io.strata.launcher.snapshotter.SnapshotError.Code;
import io.strata.store.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * containerd's snapshotter semantics over directories, laid out as containerd's overlayfs snapshotter lays them out:
 * {@code ROOT/snapshots/ID/fs} (the layer: overlay on-disk format) and {@code ROOT/snapshots/ID/work}. Committed
 * snapshots are read-only directory layers; an active one is the upper of a Strata union over its parents' layers.
 * That union is served by this JVM ({@link #served}: containerd gets a bind mount of it, no JVM starts per container),
 * or mounted by containerd itself with {@code mount.fuse3} (type {@code fuse3.PROGRAM}, PROGRAM = bin/strata-overlay).
 * One lock around every operation; metadata changes go through {@link MetadataStore} only.
 */
public final class Snapshotter implements AutoCloseable {
    /** The mount program's name as mount.fuse3 runs it (through /bin/sh: it must be on the default PATH). */
    public static final String DEFAULT_PROGRAM = "strata-overlay";

    /** containerd's types.Mount. */
    public record Mount(String type, String source, List<String> options) {
    }

    private final Path root;
    private final Path snapshots;
    private final String program;
    private final MetadataStore meta;
    private final ServedUnions served;

    /** Layered snapshots are mounted by containerd through mount.fuse3 and the mount program {@code program}. */
    public Snapshotter(Path root, String program) throws IOException {
        this(root, program, false);
    }

    /** Layered snapshots are unions served by this JVM, handed to containerd as bind mounts. */
    public static Snapshotter served(Path root) throws IOException {
        return new Snapshotter(root, null, true);
    }

    private Snapshotter(Path root, String program, boolean serve) throws IOException {
        this.root = root.toAbsolutePath();
        this.snapshots = this.root.resolve("snapshots");
        this.program = program;
        Files.createDirectories(snapshots);
        this.meta = new MetadataStore(this.root);
        this.served = serve ? new ServedUnions(this.root) : null;
    }

    /** Unmounts the unions this JVM serves. */
    @Override
    public synchronized void close() {
        if (served != null) served.close();
    }

    public Path root() {
        return root;
    }

    public synchronized List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return create(Kind.ACTIVE, key, parent, labels);
    }

    public synchronized List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(Kind.VIEW, key, parent, labels);
    }

    public synchronized List<Mount> mounts(String key) {
        Snapshot s = require(key);
        if (s.kind() == Kind.COMMITTED) {
            throw new SnapshotError(Code.FAILED_PRECONDITION, "requested snapshot " + key + " not active or view");
        }
        return mountsOf(s);
    }

    public synchronized void commit(String name, String key, Map<String, String> labels) {
        if (name.isEmpty()) throw new SnapshotError(Code.INVALID_ARGUMENT, "commit needs a name");
        if (meta.get(name) != null) throw new SnapshotError(Code.ALREADY_EXISTS, "committed snapshot " + name + ": already exists");
        Snapshot s = meta.get(key);
        if (s == null) throw new SnapshotError(Code.NOT_FOUND, "failed to get active snapshot " + key + ": not found");
        if (s.kind() != Kind.ACTIVE) throw new SnapshotError(Code.FAILED_PRECONDITION, "snapshot " + key + " is not active");
        if (served != null) served.release(s.id()); // a committed layer is read-only: no union writes it any more
        // the counters its union saved when it went (else one walk): kept with the metadata from now on
        DiskUsage.Usage usage = savedUsage(s, Duration.ofSeconds(2)).orElseGet(() -> walk(s));
        meta.commit(key, s.committed(name, labels, now(), usage));
    }

    public synchronized void remove(String key) {
        Snapshot s = require(key);
        if (meta.hasChild(key)) throw new SnapshotError(Code.FAILED_PRECONDITION, "cannot remove snapshot with child");
        if (served != null) served.release(s.id());
        meta.commit(key, null);
        deleteQuietly(snapshots.resolve(s.id()));
    }

    public synchronized Snapshot stat(String key) {
        return require(key);
    }

    /**
     * Replaces the labels ({@code paths} empty or "labels") or some of them ("labels.KEY"); the other fields of
     * Info are immutable.
     */
    public synchronized Snapshot update(String key, Map<String, String> labels, List<String> paths) {
        Snapshot s = require(key);
        Map<String, String> next;
        if (paths.isEmpty()) {
            next = labels;
        } else {
            next = new TreeMap<>(s.labels());
            for (String p : paths) {
                if (p.equals("labels")) {
                    next = new TreeMap<>(labels);
                } else if (p.startsWith("labels.")) {
                    String k = p.substring("labels.".length());
                    if (labels.containsKey(k)) next.put(k, labels.get(k));
                    else next.remove(k);
                } else {
                    throw new SnapshotError(Code.INVALID_ARGUMENT, "cannot update \"" + p + "\" field on snapshot \"" + key + "\"");
                }
            }
        }
        Snapshot updated = s.withLabels(next, now());
        meta.commit(null, updated);
        return updated;
    }

    /** The snapshots that match any of the filters (containerd's filter syntax, see {@link Filters}); all if none. */
    public synchronized List<Snapshot> list(List<String> filters) {
        return meta.all().stream().filter(Filters.parseAll(filters)).toList();
    }

    /**
     * Committed: the counters kept since the commit. Views: zero (they own no data). Active: the counters of the union
     * that writes its upper ({@code usage=on}): this JVM's own when it serves the union, else those the mount program
     * saves beside the upper (at most a second old while it serves, final once unmounted). A walk of the upper, as
     * containerd's overlayfs snapshotter does, only where there are none: a snapshot without parents (a bind of its
     * directory, written by containerd itself), or counters lost with a mount program that was killed.
     */
    public synchronized DiskUsage.Usage usage(String key) {
        Snapshot s = require(key);
        return switch (s.kind()) {
            case COMMITTED -> new DiskUsage.Usage(s.size(), s.inodes());
            case VIEW -> new DiskUsage.Usage(0, 0);
            case ACTIVE -> (served != null ? served.usage(s.id()) : Optional.<DiskUsage.Usage>empty())
                    .or(() -> savedUsage(s, Duration.ZERO)).orElseGet(() -> walk(s));
        };
    }

    /**
     * The counters saved beside s's upper, if they can be trusted. A mount program that is still serving may be about
     * to save its final counters (containerd unmounted it just now): waits up to {@code settle} for them.
     */
    private Optional<DiskUsage.Usage> savedUsage(Snapshot s, Duration settle) {
        String work = snapshots.resolve(s.id()).resolve("work").toString(), upper = fs(s.id()).toString();
        long deadline = System.nanoTime() + settle.toNanos();
        for (Optional<UsageFile.Saved> saved = UsageFile.read(work, upper); ; saved = UsageFile.read(work, upper)) {
            if (saved.isEmpty()) return Optional.empty();
            if (saved.get().clean() || saved.get().writerAlive() && System.nanoTime() >= deadline) {
                return Optional.of(saved.get().usage());
            }
            if (!saved.get().writerAlive()) return Optional.empty(); // its server died: the save misses its last writes
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of(saved.get().usage());
            }
        }
    }

    private DiskUsage.Usage walk(Snapshot s) {
        try {
            return DiskUsage.of(HostFs.INSTANCE, fs(s.id()).toString());
        } catch (FsException e) {
            throw new IllegalStateException("usage of snapshot " + s.name() + ": " + e.getMessage(), e);
        }
    }

    /** Removes the snapshot directories that no metadata refers to (left by a crash between the two). */
    public synchronized List<Path> cleanup() {
        Set<String> ids = new HashSet<>();
        for (Snapshot s : meta.all()) ids.add(s.id());
        List<Path> removed = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(snapshots)) {
            for (Path d : dirs.toList()) {
                if (!ids.contains(d.getFileName().toString())) {
                    deleteQuietly(d);
                    removed.add(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels) {
        if (key.isEmpty()) throw new SnapshotError(Code.INVALID_ARGUMENT, "snapshot key must not be empty");
        if (!parent.isEmpty()) {
            Snapshot p = meta.get(parent);
            if (p == null) throw new SnapshotError(Code.NOT_FOUND, "missing parent \"" + parent + "\": not found");
            if (p.kind() != Kind.COMMITTED) {
                throw new SnapshotError(Code.INVALID_ARGUMENT, "parent \"" + parent + "\" is not committed snapshot");
            }
        }
        if (meta.get(key) != null) throw new SnapshotError(Code.ALREADY_EXISTS, "snapshot " + key + ": already exists");
        String id = meta.newId();
        Path dir = snapshots.resolve(id);
        try {
            Files.createDirectories(dir.resolve("fs"));
            if (kind == Kind.ACTIVE) Files.createDirectories(dir.resolve("work"));
            String now = now();
            Snapshot s = new Snapshot(id, key, parent, kind, now, now, labels, 0, 0);
            meta.commit(null, s);
            return mountsOf(s);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            if (e instanceof RuntimeException r) throw r;
            throw new UncheckedIOException((IOException) e);
        }
    }

    /** The layers under s, nearest first (overlay's lowerdir order). */
    private List<String> parentIds(Snapshot s) {
        List<String> ids = new ArrayList<>();
        for (String p = s.parent(); !p.isEmpty(); ) {
            Snapshot ps = meta.get(p);
            if (ps == null) throw new SnapshotError(Code.NOT_FOUND, "missing parent \"" + p + "\": not found");
            ids.add(ps.id());
            p = ps.parent();
        }
        return ids;
    }

    /** containerd overlayfs snapshotter's choices, with Strata's FUSE union where it mounts kernel overlay. */
    private List<Mount> mountsOf(Snapshot s) {
        List<String> parents = parentIds(s);
        if (parents.isEmpty()) {
            return List.of(new Mount("bind", fs(s.id()).toString(), List.of(s.kind() == Kind.VIEW ? "ro" : "rw", "rbind")));
        }
        if (s.kind() == Kind.VIEW && parents.size() == 1) {
            return List.of(new Mount("bind", fs(parents.get(0)).toString(), List.of("ro", "rbind")));
        }
        if (served != null) {
            Path mp = served.serve(s.id(), parents.stream().map(this::fs).toList(),
                    s.kind() == Kind.ACTIVE ? fs(s.id()) : null, snapshots.resolve(s.id()).resolve("work"));
            return List.of(new Mount("bind", mp.toString(), List.of(s.kind() == Kind.VIEW ? "ro" : "rw", "rbind")));
        }
        List<String> options = new ArrayList<>();
        if (s.kind() == Kind.ACTIVE) {
            options.add("workdir=" + snapshots.resolve(s.id()).resolve("work"));
            options.add("upperdir=" + fs(s.id()));
            options.add("usage=on"); // the mount program counts the upper's usage and saves it in workdir
        }
        options.add("lowerdir=" + String.join(":", parents.stream().map(id -> fs(id).toString()).toList()));
        return List.of(new Mount("fuse3." + program, program, options));
    }

    private Path fs(String id) {
        return snapshots.resolve(id).resolve("fs");
    }

    private Snapshot require(String key) {
        Snapshot s = meta.get(key);
        if (s == null) throw new SnapshotError(Code.NOT_FOUND, "snapshot " + key + " does not exist: not found");
        return s;
    }

    private static String now() {
        return Instant.now().toString();
    }

    private static void deleteQuietly(Path dir) {
        try {
            Trees.delete(dir);
        } catch (RuntimeException e) {
            // Cleanup removes what is left, once nothing refers to it
            System.err.println("strata snapshotter: removing " + dir + ": " + e.getMessage());
        }
    }
}
