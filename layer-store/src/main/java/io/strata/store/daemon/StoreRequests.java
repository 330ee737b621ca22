package io.strata.store.daemon;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.BlockStore;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.diff.Change;
import io.strata.store.block.gc.Collector;
import io.strata.store.block.space.DedupEstimate;
import io.strata.store.block.space.Space;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What each request to the daemon does with the store, and the lines it answers (tab-separated columns). */
final class StoreRequests {
    private final BlockStore store;
    private final ContainerMounts mounts;
    private final ContainerRuns runs;
    private final java.nio.file.Path storeDir;

    StoreRequests(BlockStore store, ContainerMounts mounts, ContainerRuns runs, java.nio.file.Path storeDir) {
        this.store = store;
        this.mounts = mounts;
        this.runs = runs;
        this.storeDir = storeDir;
    }

    List<String> handle(List<String> a) throws FsException {
        if (a.isEmpty()) throw new FsException(Errno.EINVAL, "empty request");
        if (a.get(0).startsWith("run-")) return runs.handle(a);
        List<String> out = new ArrayList<>();
        switch (a.get(0)) {
            case "ping" -> out.add("pong");
            case "create" -> {
                need(a, 3);
                Records.Container c = store.createContainer(a.get(1), a.get(2));
                out.add(c.name());
            }
            case "clone" -> {
                need(a, 3);
                String[] src = point(a.get(1));
                out.add(store.clone(src[0], src[1], a.get(2)).name());
            }
            case "ps" -> {
                for (Records.Container c : store.containers())
                    out.add(c.name() + "\t" + runs.status(c.name()) + "\t" + store.snapshots(c.name()).size() + "\t"
                            + Instant.ofEpochMilli(c.createdMillis()) + "\t" + c.lowerdirs());
            }
            case "snapshot-create" -> {
                need(a, 3);
                out.add(a.get(1) + "@" + store.createSnapshot(a.get(1), a.get(2)).name());
            }
            case "snapshot-ls" -> {
                need(a, 2);
                for (Records.Snapshot s : store.snapshots(a.get(1)))
                    out.add(s.name() + "\t" + Instant.ofEpochMilli(s.createdMillis()));
            }
            case "snapshot-restore" -> {
                need(a, 3);
                onceSettled(() -> {
                    store.restore(a.get(1), a.get(2));
                    return null;
                });
            }
            case "snapshot-rm" -> {
                need(a, 3);
                report(out, onceSettled(() -> store.removeSnapshot(a.get(1), a.get(2))));
            }
            case "rm" -> {
                need(a, 2);
                store.container(a.get(1)); // ENOENT before anything else
                runs.remove(a.get(1));
                report(out, onceSettled(() -> store.removeContainer(a.get(1))));
            }
            case "gc" -> report(out, store.gc());
            case "mount" -> {
                need(a, 3);
                int at = a.get(1).indexOf('@');
                String c = at < 0 ? a.get(1) : a.get(1).substring(0, at), s = at < 0 ? null : a.get(1).substring(at + 1);
                mounts.mount(store, c, s, java.nio.file.Path.of(a.get(2)));
                out.add(a.get(2));
            }
            case "mounts" -> out.addAll(mounts.list());
            case "changes" -> { // changes C[@S] TARGET-DIR [CLAMP-MTIME]: the changes as a layer directory (commit)
                need(a, 3);
                java.nio.file.Path target = java.nio.file.Path.of(a.get(2));
                if (!target.isAbsolute()) throw new FsException(Errno.EINVAL, "changes: the target must be an absolute path");
                Long clamp = a.size() > 3 && !a.get(3).isEmpty() ? Long.parseLong(a.get(3)) : null;
                io.strata.store.block.union.BlockChanges.write(store, storeDir, a.get(1), target, clamp);
                out.add(a.get(2));
            }
            case "df" -> {
                Space.Report r = store.df();
                for (Space.Usage u : r.containers()) out.add("container\t" + u.name() + "\t" + u.exclusive() + "\t" + u.shared());
                for (Space.Usage u : r.snapshots()) out.add("snapshot\t" + u.name() + "\t" + u.exclusive() + "\t" + u.shared());
                out.add("total\t\t" + r.totalStored() + "\t");
            }
            case "df-dedup" -> { // what deduplication of identical pages would save (a scan, as zdb -S)
                DedupEstimate.Report r = store.dedupEstimate();
                out.add("pages\t" + r.pages() + "\t" + r.bytes());
                out.add("unique\t" + r.unique() + "\t" + r.unique() * DedupEstimate.PAGE);
                out.add("saved\t" + (r.pages() - r.unique()) + "\t" + r.saved());
                out.add("zero\t" + r.zero() + "\t" + r.zero() * DedupEstimate.PAGE);
                out.add(String.format(Locale.ROOT, "ratio\t%.2f", r.ratio()));
                out.add(String.format(Locale.ROOT, "seconds\t%.3f", r.seconds()));
            }
            case "diff" -> {
                need(a, 2);
                List<Change> d = a.size() > 2 ? store.unionDiff(a.get(1), a.get(2)) : store.unionDiff(null, a.get(1));
                for (Change c : d) out.add(c.toString());
            }
            default -> throw new FsException(Errno.EINVAL, "unknown request '" + a.get(0) + "'");
        }
        return out;
    }

    interface StoreCall<T> {
        T call() throws FsException;
    }

    /** Runs c; refused as busy, once more after the mounts that are gone have let go of their layers. */
    private <T> T onceSettled(StoreCall<T> c) throws FsException {
        try {
            return c.call();
        } catch (FsException e) {
            if (e.errno() != Errno.EBUSY || !mounts.settle(ContainerMounts.SETTLE_MILLIS)) throw e;
            return c.call();
        }
    }

    private static void report(List<String> out, Collector.Report r) {
        out.add("freed\t" + r.bytesFreed() + "\tdropped\t" + r.dropped() + "\tpruned\t" + r.pruned());
    }

    private static void need(List<String> a, int n) throws FsException {
        if (a.size() < n) throw new FsException(Errno.EINVAL, "'" + a.get(0) + "' needs " + (n - 1) + " argument(s)");
    }

    private static String[] point(String spec) throws FsException {
        int at = spec.indexOf('@');
        if (at <= 0 || at == spec.length() - 1) throw new FsException(Errno.EINVAL, "expected CONTAINER@SNAPSHOT, got " + spec);
        return new String[]{spec.substring(0, at), spec.substring(at + 1)};
    }
}
