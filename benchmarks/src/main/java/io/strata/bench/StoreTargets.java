package io.strata.bench;

import static io.strata.bench.Progress.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The block store's targets of issue #4 that the side-by-side run does not measure (benchmarks/run.sh
 * --store-targets), in one run against one store and its daemon: snapshot create and restore against the data changed
 * since the snapshot ({@link SnapshotTimings}), then 4 KiB random reads of a partly rewritten file, the store against
 * the overlay-format upper ({@link PartlyRewritten}). Reported as a verdict per target ({@link TargetVerdicts}), the
 * detailed tables and the JSON of every sample.
 */
final class StoreTargets {
    private final BenchOptions opts;
    private final Path scratch, jar, store;
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final List<Union> unions = new ArrayList<>();
    private SnapshotTimings snapshots;
    private PartlyRewritten partly;
    private Results reads;
    private boolean cleanedUp;

    StoreTargets(BenchOptions opts, Path scratch) {
        this.opts = opts;
        this.scratch = scratch;
        this.jar = scratch.resolve("strata.jar");
        this.store = scratch.resolve("store");
    }

    /** Sizes changed since the snapshot, MiB: 0, 8, 1024 (quick: 0, 8, 64). */
    static List<Integer> sizes(boolean quick) {
        return List.of(0, 8, quick ? 64 : 1024);
    }

    int run() {
        RunClock clock = RunClock.start();
        String started = clock.started(), loadBefore = clock.loadBefore();
        String[] jarSource = {""};
        List<Workloads.Workload> workloads = new ArrayList<>();
        Throwable failure = SideBySide.guarded(() -> {
            jarSource[0] = SideBySide.snapshotJar(opts.jar, jar);
            try (DaemonClient client = new DaemonClient(jar, store)) {
                snapshots = new SnapshotTimings(scratch, jar, opts.cliJvm, store, sizes(opts.quick), client,
                        opts.btrfsPeer == null ? null : new BtrfsPeer(opts.btrfsPeer, opts.btrfsTool));
                partly = new PartlyRewritten(opts, scratch, jar, store, client);
                unions.addAll(partly.unions());
                unions.add(snapshots.union); // last: the teardown stops the daemon after every container is unmounted
                reads = new Results(partly.unions().stream().map(u -> u.label).toList());
                log("scratch %s; snapshots: %s MiB changed, %d repetitions", scratch, snapshots.mib, opts.reps);
                snapshots.build();
                for (int rep = 0; rep < opts.reps; rep++) {
                    log("snapshots: repetition %d/%d", rep + 1, opts.reps);
                    snapshots.repetition(rep);
                }
                snapshots.cliOnce();
                problems.addAll(snapshots.union.unmount());
                if (snapshots.peer != null) {
                    for (int rep = 0; rep < opts.reps; rep++) {
                        log("snapshots on btrfs: repetition %d/%d", rep + 1, opts.reps);
                        snapshots.peerRepetition(rep);
                    }
                    snapshots.peer.settle(); // its background cleaning must not overlap the reads
                }
                log("partly rewritten file: building");
                partly.build();
                workloads.addAll(partly.workloads());
                for (int rep = 0; rep < opts.reps; rep++) {
                    log("reads: repetition %d/%d", rep + 1, opts.reps);
                    for (int wi = 0; wi < workloads.size(); wi++)
                        for (Union u : SideBySide.rotated(partly.unions(), rep + wi))
                            SideBySide.measure(reads, problems, rep, rep, workloads.get(wi), u);
                }
            }
        }, this::cleanup);
        double minutes = clock.minutes();
        Path out = opts.out.toAbsolutePath();
        if (out.equals(Path.of("benchmarks/results-latest.md").toAbsolutePath()))
            out = out.resolveSibling("results-store-targets.md");
        String report = report(started, loadBefore, minutes, failure, jarSource[0], workloads);
        if (!SideBySide.write(out, report, json(workloads), null, null, minutes)) return 1;
        boolean errors = snapshots != null && !snapshots.series.errorLines().isEmpty() || reads != null && !reads.errorLines().isEmpty();
        return failure == null && problems.isEmpty() && !errors ? 0 : 1;
    }

    /** Unmounts everything, stops the daemon and the mount servers, deletes the scratch directory. Idempotent. */
    synchronized void cleanup() {
        if (cleanedUp) return;
        cleanedUp = true;
        SideBySide.teardown(unions, scratch, opts.keepScratch, problems);
    }

    private String json(List<Workloads.Workload> workloads) {
        return "{\n\"snapshots\": " + (snapshots == null ? "null" : snapshots.series.json())
                + ", \"cliSeconds\": {\"snapshot-create\": " + Json.num(snapshots == null ? Double.NaN : snapshots.cliCreateSeconds)
                + ", \"snapshot-restore\": " + Json.num(snapshots == null ? Double.NaN : snapshots.cliRestoreSeconds) + "}"
                + ",\n\"reads\": " + (reads == null ? "null" : reads.json(workloads)) + "}\n";
    }

    private String report(String started, String loadBefore, double minutes, Throwable failure, String jarSource,
                          List<Workloads.Workload> workloads) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Store targets (issue #4): snapshot create/restore vs data changed, partly rewritten random reads (")
                .append(started).append(")\n\n");
        sb.append("Medians of ").append(opts.reps).append(" repetition(s); ratios are paired per repetition (the "
                + "median of the repetitions' ratios, min–max): snapshot times against the same repetition's unchanged "
                + "case, reads against the overlay-format upper's same reads. Every sample in the JSON beside this file.\n\n");
        if (snapshots != null) {
            sb.append(TargetVerdicts.snapshotTable(snapshots.series,
                    Set.of(SnapshotTimings.CREATE.id(), SnapshotTimings.RESTORE.id()))).append('\n');
            sb.append("The CLI once, nothing changed (its JVM start included): `strata snapshot create` ")
                    .append(Results.time(snapshots.cliCreateSeconds)).append(", `strata snapshot restore` ")
                    .append(Results.time(snapshots.cliRestoreSeconds)).append(".\n\n");
        }
        if (reads != null && !workloads.isEmpty())
            sb.append(TargetVerdicts.readTable(reads, workloads, Set.of("rand-read-cold", "rand-read-warm"))).append('\n');
        sb.append("### Details\n\n");
        if (snapshots != null) sb.append(snapshots.series.tables());
        if (reads != null && !workloads.isEmpty()) {
            sb.append("#### Reads: median (min)\n\n").append(reads.timeTable(workloads)).append('\n');
            String cpu = reads.cpuTable(workloads);
            if (!cpu.isEmpty()) sb.append("Server CPU (user + system) during each timed step, median:\n\n").append(cpu).append('\n');
            for (String r : reads.reruns()) sb.append("- taken again: ").append(r).append('\n');
            for (String r : reads.disturbedSamples()) sb.append("- kept, disturbed: ").append(r).append('\n');
            if (!reads.reruns().isEmpty() || !reads.disturbedSamples().isEmpty()) sb.append('\n');
        }
        List<String> errs = new ArrayList<>();
        if (snapshots != null) errs.addAll(snapshots.series.errorLines());
        if (reads != null) errs.addAll(reads.errorLines());
        sb.append(SideBySide.failuresAndConfiguration(failure, errs, problems, started, minutes, loadBefore, scratch));
        if (snapshots != null) sb.append(snapshots.describe());
        if (partly != null) sb.append(partly.describe());
        for (Union u : unions) {
            sb.append("- ").append(u.label).append(": ").append(u.describe()).append('\n');
            if (!u.serverArgv.isEmpty()) sb.append("  - server argv: `").append(u.serverArgv).append("`\n");
        }
        if (!jarSource.isEmpty()) sb.append("- strata jar: ").append(jarSource).append('\n');
        sb.append("- command: `benchmarks/run.sh ").append(String.join(" ", opts.args)).append("`\n");
        return sb.toString();
    }
}
