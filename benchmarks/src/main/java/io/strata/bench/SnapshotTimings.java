package io.strata.bench;

import static io.strata.bench.Progress.log;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Snapshot create and restore of the block store against the data changed since the snapshot (issue #4: each
 * ≤ 50 ms, and with 8 MiB or 1 GiB changed at most 1.5× the unchanged case). Container {@code snap} on an empty lower
 * holds one file of the largest size, written once; a sample at X MiB overwrites its first X MiB in place
 * (sequential 1 MiB write(2)s through the daemon's mount, no fsync) and times the daemon-side request over its
 * socket ({@link DaemonClient}: no JVM start). Every sample takes its own snapshots and removes them after, so the
 * store holds at most two versions of the changed range. With a {@link BtrfsPeer}, the same samples on btrfs follow
 * Strata's ({@link #peerRepetition}), a column of their own in the same series.
 */
final class SnapshotTimings {
    static final String COLUMN = "strata-store";
    static final Series.Metric CREATE = new Series.Metric("snapshot-create",
            "snapshot create right after the writes (no fsync), daemon request");
    static final Series.Metric CREATE_SYNCED = new Series.Metric("snapshot-create-synced",
            "snapshot create after the writes and `sync` (not a target: without the writeback), daemon request");
    static final Series.Metric RESTORE = new Series.Metric("snapshot-restore",
            "snapshot restore over the writes, container unmounted, daemon request");
    static final List<Series.Metric> METRICS = List.of(CREATE, CREATE_SYNCED, RESTORE);
    private static final String CONTAINER = "snap", FILE = "changes.bin";

    final Union.StrataStore union;
    final List<Integer> mib;
    final Series series;
    /** The CLI's wall time (its JVM start included), once, with nothing changed; NaN until measured. */
    double cliCreateSeconds = Double.NaN, cliRestoreSeconds = Double.NaN;
    private final DaemonClient client;
    /** The same steps on btrfs; null without one. */
    final BtrfsPeer peer;
    /** Restores first refused with EBUSY right after the umount (then sent again, see {@link #timed}). */
    int busyRestores;
    private long generation; // what the block at offset 0 holds now
    private int names;

    SnapshotTimings(Path scratch, Path jar, String cliJvm, Path store, List<Integer> mib, DaemonClient client, BtrfsPeer peer) {
        this.union = new Union.StrataStore("store-snapshots", scratch, jar, cliJvm, store, CONTAINER, null);
        this.mib = List.copyOf(mib);
        this.series = new Series("MiB changed", peer == null ? List.of(COLUMN) : List.of(COLUMN, BtrfsPeer.COLUMN), mib, METRICS);
        this.client = client;
        this.peer = peer;
    }

    private Path file() {
        return union.mnt.resolve(FILE);
    }

    /** The container (which starts the daemon), mounted, with the file written whole and synced. */
    void build() throws Exception {
        if (peer != null) peer.build((long) mib.get(mib.size() - 1) << 20);
        Files.createDirectories(union.lower1);
        Files.createDirectories(union.lower2);
        union.freshUpper();
        union.mount();
        Files.createFile(file());
        FileOps.overwrite(file(), (long) mib.get(mib.size() - 1) << 20, generation);
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Every size once for each metric, sizes in an order rotated by rep. */
    void repetition(int rep) {
        for (int x : SideBySide.rotated(mib, rep)) {
            sample(CREATE, rep, x, () -> create(rep, x, false));
            sample(CREATE_SYNCED, rep, x, () -> create(rep, x, true));
            sample(RESTORE, rep, x, () -> restore(rep, x));
        }
    }

    /**
     * The same on the peer, in a phase of its own after Strata's: btrfs cleans destroyed subvolumes in the background
     * (a 1 GiB one for seconds), which slowed Strata's requests 2-4x when the samples alternated.
     */
    void peerRepetition(int rep) {
        for (int x : SideBySide.rotated(mib, rep)) {
            peerSample(CREATE, rep, x, () -> peer.create(x, false));
            peerSample(CREATE_SYNCED, rep, x, () -> peer.create(x, true));
            peerSample(RESTORE, rep, x, () -> peer.restore(x));
        }
    }

    private interface Sample {
        void run() throws Exception;
    }

    private interface PeerSample {
        double seconds() throws Exception;
    }

    private void peerSample(Series.Metric m, int rep, int x, PeerSample s) {
        if (peer == null) return;
        guarded(m, BtrfsPeer.COLUMN, rep, x, () -> {
            double secs = s.seconds();
            series.add(m.id(), BtrfsPeer.COLUMN, x, rep, secs, Double.NaN);
            log("rep %d %-22s %5d MiB %10s  (btrfs)", rep + 1, m.id(), x, Results.time(secs));
        });
    }

    private void sample(Series.Metric m, int rep, int x, Sample s) {
        guarded(m, COLUMN, rep, x, () -> {
            if (!union.isMounted()) union.mount(); // a failed restore sample leaves it unmounted
            s.run();
        });
    }

    /** Runs s; a failure is recorded as the sample's error in the column and logged, and the run goes on. */
    private void guarded(Series.Metric m, String column, int rep, int x, Sample s) {
        try {
            s.run();
        } catch (Throwable t) {
            String msg = t.getClass().getSimpleName() + ": " + t.getMessage();
            series.error(m.id(), column, x, msg);
            log("rep %d %s at %d MiB on %s FAILED: %s", rep + 1, m.id(), x, column, msg);
        }
    }

    /** A snapshot, X MiB overwritten (optionally `sync`), then the timed snapshot; both snapshots removed after. */
    private void create(int rep, int x, boolean synced) throws Exception {
        String before = name(), after = name();
        client.call("snapshot-create", CONTAINER, before);
        try {
            change(x);
            if (synced) Shell.sync();
            timed(synced ? CREATE_SYNCED : CREATE, rep, x, "snapshot-create", CONTAINER, after);
        } finally {
            drop(before, after);
        }
    }

    /** A snapshot, X MiB overwritten, unmount, the timed restore; then mounted again and checked, the snapshot removed. */
    private void restore(int rep, int x) throws Exception {
        String snap = name();
        client.call("snapshot-create", CONTAINER, snap);
        long expected = generation;
        try {
            change(x);
            for (String p : union.unmount()) log("%s", p);
            client.call("mounts"); // the daemon reaps the ended mount, releasing the container (untimed)
            timed(RESTORE, rep, x, "snapshot-restore", CONTAINER, snap);
            union.mount();
            generation = FileOps.generationAt0(file());
            if (generation != expected)
                throw new IllegalStateException("after the restore block 0 holds generation " + generation + ", not " + expected);
        } finally {
            drop(snap);
        }
    }

    /** The CLI's own wall time for create and restore with nothing changed, once (a user's view: a JVM start each). */
    void cliOnce() throws Exception {
        if (!union.isMounted()) union.mount();
        String c = name(), r = name();
        cliCreateSeconds = cli("create", c);
        client.call("snapshot-create", CONTAINER, r);
        for (String p : union.unmount()) log("%s", p);
        client.call("mounts");
        try {
            cliRestoreSeconds = cli("restore", r);
        } finally {
            union.mount();
            drop(c, r);
        }
    }

    private double cli(String verb, String snap) {
        List<String> cmd = union.cli("snapshot", verb, CONTAINER, snap);
        double s = Shell.run(cmd).orThrow(cmd).seconds();
        log("`strata snapshot %s` (CLI, JVM start included) %s", verb, Results.time(s));
        return s;
    }

    private void change(int x) throws Exception {
        if (x > 0) FileOps.overwrite(file(), (long) x << 20, ++generation);
    }

    /**
     * Times the request; a restore refused with EBUSY is sent again (untimed, up to 5 s): after a plain umount the
     * daemon releases the container only once it reaps the ended mount (every second, or on a `mounts` request).
     */
    private void timed(Series.Metric m, int rep, int x, String... request) throws Exception {
        long pid = union.serverPid().orElseThrow(() -> new IllegalStateException("no store daemon running"));
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int refused = 0; ; refused++) {
            double cpu0 = ServerProcess.cpuSeconds(pid);
            long t0 = System.nanoTime();
            try {
                client.call(request);
            } catch (java.io.IOException e) {
                if (m != RESTORE || !e.getMessage().contains("EBUSY") || System.nanoTime() > deadline) throw e;
                if (refused == 0) busyRestores++;
                client.call("mounts"); // reaps the ended mount
                ServerProcess.sleep(10);
                continue;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = ServerProcess.cpuSeconds(pid) - cpu0;
            series.add(m.id(), COLUMN, x, rep, secs, cpu);
            log("rep %d %-22s %5d MiB %10s  (daemon CPU %.2f s%s)", rep + 1, m.id(), x, Results.time(secs), cpu,
                    refused == 0 ? "" : ", after " + refused + " EBUSY");
            return;
        }
    }

    /** Removes the sample's snapshots (their blocks go with them) and collects; never throws. */
    private void drop(String... snaps) {
        for (String s : snaps) {
            try {
                client.call("snapshot-rm", CONTAINER, s);
            } catch (Exception e) {
                if (!e.getMessage().contains("No such") && !e.getMessage().contains("ENOENT")) log("snapshot-rm %s: %s", s, e.getMessage());
            }
        }
        try {
            client.call("gc");
        } catch (Exception e) {
            log("gc: %s", e.getMessage());
        }
    }

    private int restoreSamples() {
        int n = 0;
        for (int x : mib) n += series.samples(RESTORE.id(), COLUMN, x).size();
        return n;
    }

    private String name() {
        return "t" + (++names);
    }

    String describe() {
        int largest = mib.get(mib.size() - 1);
        return "- snapshots: container `" + CONTAINER + "` on an empty lower, `" + FILE + "` (" + largest + " MiB) written "
                + "and fsynced once through the daemon's mount; per sample: a snapshot, the first X MiB of the file "
                + "overwritten in place (sequential 1 MiB write(2)s, every 4 KiB block new, **no fsync**), then the timed "
                + "request over the daemon's unix socket (the CLI's StoreClient loaded from the jar: the daemon-side "
                + "request and its socket round trip, no JVM start): `snapshot-create` right after the writes, "
                + "`snapshot-create` after the writes and `sync` (for comparison: the same without the writeback of "
                + "unsynced page files), `snapshot-restore` back to the snapshot after unmounting the container (as the "
                + "CLI requires; the container is mounted again after and block 0 checked to hold the snapshot's data); "
                + "each sample's snapshots are removed (`snapshot rm`, `gc`) after it, untimed; X in " + mib
                + " MiB, in an order rotated per repetition; daemon CPU = utime+stime of the daemon during the request\n"
                + "- restores refused with EBUSY right after the umount (the daemon had not yet reaped the ended "
                + "mount) and sent again until accepted, only the accepted request timed: " + busyRestores + " of "
                + restoreSamples() + "\n"
                + String.format(Locale.ROOT, "- the CLI once, nothing changed (JVM start included): `strata snapshot create` %s, "
                + "`strata snapshot restore` %s\n", Results.time(cliCreateSeconds), Results.time(cliRestoreSeconds))
                + (peer == null ? "- no btrfs peer in this run (run.sh makes one when the kernel has btrfs)\n" : peer.describe());
    }}
