package io.strata.core.usage;

import io.strata.core.errno.FsException;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layerfs.LayerFs;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The disk usage of a writable layer kept as counters: allocated bytes (st_blocks * 512) and inodes of the upper
 * directory, each inode once — what containerd's fs.DiskUsage walks the upper for — so that asking costs nothing.
 * The union writes the layer through {@link #fs()}, which adds the st_blocks delta of each inode it touches (see
 * {@link CountingLayerFs}). The counters cover the upper and what is being built in its work directory (copy-ups,
 * whiteouts made beside their target): an object renamed from one into the other stays counted, and the work
 * directory is empty between changes.
 *
 * <p>Persisted in {@link UsageFile}: at {@link #open} the counters come from a clean save; when it is missing, stale
 * or left by a process that died while serving, they come from one walk of the upper (the only walk). While
 * mounted they are saved as "live" at most once a second when they changed, and as "clean" at {@link #close}.
 */
public final class UpperUsage implements AutoCloseable {
    private static final ScheduledExecutorService SAVER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-usage-save");
        t.setDaemon(true);
        return t;
    });

    private final LayerFs fs; // the filesystem underneath: walks do not count themselves
    private final String upperRoot;
    private final String workRoot;
    private final String workDir;
    private final CountingLayerFs counting;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong inodes = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final Set<CountingFile> unsettled = ConcurrentHashMap.newKeySet();
    private volatile boolean stale;
    private long savedAt = -1;
    private boolean closed;
    private final ScheduledFuture<?> saving;

    private UpperUsage(LayerFs fs, String upperRoot, String workRoot) throws FsException {
        this.fs = fs;
        this.upperRoot = upperRoot;
        this.workRoot = workRoot;
        this.workDir = DirLayer.workDirOf(workRoot);
        this.counting = new CountingLayerFs(fs, upperRoot, workDir, this);
        Optional<UsageFile.Saved> saved = UsageFile.read(workRoot, upperRoot);
        if (saved.isPresent() && saved.get().clean()) {
            set(saved.get().usage());
        } else {
            // No clean save: the first mount with counting, or the last one died while serving (its live save misses
            // what came after it). One walk, then counters again.
            recount();
        }
        save(false); // from now on a crash leaves "live" behind, and the next open walks
        saving = SAVER.scheduleWithFixedDelay(this::saveIfChanged, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts counting the upper at upperRoot (overlayfs' upperdir) whose workdir is workRoot, both on fs. */
    public static UpperUsage open(LayerFs fs, String upperRoot, String workRoot) throws FsException {
        return new UpperUsage(fs, upperRoot, workRoot);
    }

    /** The counters of a union's upper, if it is counted (mounted with {@code usage=on}). */
    public static Optional<UpperUsage> of(LayerStack layers) {
        if (layers.upper() != null && layers.upper().fs() instanceof CountingLayerFs c) return Optional.of(c.usage());
        return Optional.empty();
    }

    /** The filesystem the union writes the upper through: the one given to {@link #open}, counting. */
    public LayerFs fs() {
        return counting;
    }

    /** Allocated bytes and inodes of the upper now. */
    public DiskUsage.Usage current() {
        for (CountingFile f : unsettled) f.settle();
        if (stale) {
            try {
                recount();
            } catch (FsException e) {
                throw new IllegalStateException("usage of " + upperRoot + ": " + e.getMessage(), e);
            }
        }
        return new DiskUsage.Usage(bytes.get(), inodes.get());
    }

    /** Saves the counters as final: call once the union is unmounted (nothing writes the upper any more). */
    @Override
    public synchronized void close() {
        if (closed) return;
        saving.cancel(false);
        save(true);
        closed = true;
    }

    // ---- for CountingLayerFs and CountingFile ----

    void add(long deltaBytes, long deltaInodes) {
        if (deltaBytes != 0) bytes.addAndGet(deltaBytes);
        if (deltaInodes != 0) inodes.addAndGet(deltaInodes);
        changes.incrementAndGet();
    }

    /** A change the counters cannot follow by deltas (an object moved into or out of the counted trees): walk. */
    void markStale() {
        stale = true;
        changes.incrementAndGet();
    }

    void unsettled(CountingFile f) {
        unsettled.add(f);
    }

    void settled(CountingFile f) {
        unsettled.remove(f);
    }

    // ----

    private void set(DiskUsage.Usage u) {
        bytes.set(u.size());
        inodes.set(u.inodes());
    }

    private void recount() throws FsException {
        stale = false;
        DiskUsage.Walk w = new DiskUsage.Walk(fs);
        w.tree(upperRoot, true);
        w.tree(workDir, false);
        set(w.usage());
    }

    private synchronized void saveIfChanged() {
        if (closed || savedAt == changes.get() && unsettled.isEmpty()) return;
        try {
            save(false);
        } catch (RuntimeException e) {
            System.err.println("strata: saving the usage of " + upperRoot + ": " + e.getMessage());
        }
    }

    private synchronized void save(boolean clean) {
        long at = changes.get();
        UsageFile.write(workRoot, upperRoot, current(), clean);
        savedAt = at;
    }
}
