package io.strata.bench;

import static io.strata.bench.Progress.log;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A scaling run (benchmarks/run.sh --scaling lowers|snapshots): the cost of the same workloads as N grows, N being
 * the number of lower layers ({@link ScalingLowers}) or of snapshots below a file ({@link ScalingSnapshots}).
 * Every repetition visits the N in a rotated order and, per N and workload, the columns one after another in a
 * rotated order, so that the noise of a shared machine lands on every column alike; a union is unmounted after each
 * sample (the next sample's preparation mounts it again). Reported as a table per workload, JSON and a line chart.
 */
final class Scaling {
    /** What a scaling mode provides: its columns, its N, the unions of each N, the workloads, how it was set up. */
    interface Mode {
        String xLabel();

        List<String> columns();

        /** Builds the lowers or the snapshot chain; creates the unions. */
        void build(Series series) throws Exception;

        /** The unions measured at N, in column order. */
        List<Union> unions(int n);

        /** Every union, for the teardown (also those that are not measured). */
        List<Union> all();

        List<Workloads.Workload> workloads();

        /** Method and layout, lines of the report's configuration. */
        String describe();
    }

    private final BenchOptions opts;
    private final Path scratch;
    private final Mode mode;
    private final Series series;
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private boolean cleanedUp;

    Scaling(BenchOptions opts, Path scratch) {
        this.opts = opts;
        this.scratch = scratch;
        this.mode = opts.scaling.equals("lowers") ? new ScalingLowers(opts, scratch) : new ScalingSnapshots(opts, scratch);
        List<Series.Metric> metrics = new ArrayList<>();
        for (Workloads.Workload w : mode.workloads()) metrics.add(new Series.Metric(w.id(), w.title()));
        if (mode instanceof ScalingSnapshots) metrics.add(ScalingSnapshots.CREATE_METRIC);
        this.series = new Series(mode.xLabel(), mode.columns(), xs(), metrics);
    }

    private List<Integer> xs() {
        return opts.scaling.equals("lowers") ? opts.layers : opts.depths;
    }

    int run() {
        RunClock clock = RunClock.start();
        String started = clock.started(), loadBefore = clock.loadBefore();
        String[] jar = {""};
        Throwable failure = SideBySide.guarded(() -> {
            jar[0] = SideBySide.snapshotJar(opts.jar, scratch.resolve("strata.jar"));
            mode.build(series);
            for (int rep = 0; rep < opts.reps; rep++) {
                log("repetition %d/%d", rep + 1, opts.reps);
                for (int n : rotated(xs(), rep))
                    for (int wi = 0; wi < mode.workloads().size(); wi++)
                        for (Union u : rotated(mode.unions(n), rep + wi)) measure(rep, n, profiled(mode.workloads().get(wi), u, n), u);
            }
        }, this::cleanup);
        double minutes = clock.minutes();
        Path out = opts.out.toAbsolutePath();
        if (out.equals(Path.of("benchmarks/results-latest.md").toAbsolutePath()))
            out = out.resolveSibling("results-scaling-" + opts.scaling + ".md");
        Path chart = SideBySide.sibling(out, ".svg");
        String report = report(started, loadBefore, minutes, failure, jar[0], chart.getFileName().toString());
        if (!SideBySide.write(out, report, series.json(), chart, LineChart.of(series, title()), minutes)) return 1;
        return failure == null && problems.isEmpty() && series.errorLines().isEmpty() ? 0 : 1;
    }

    private String title() {
        return "Cost vs number of " + mode.xLabel() + ": " + String.join(", ", mode.columns());
    }

    private static <T> List<T> rotated(List<T> xs, int by) {
        List<T> r = new ArrayList<>(xs);
        if (!r.isEmpty()) Collections.rotate(r, -(by % r.size()));
        return r;
    }

    /**
     * With --profile-dir, at the largest N on a Strata column: the step with a JFR recording of the server around it
     * (jcmd JFR.start / JFR.stop; each repetition overwrites the file).
     */
    private Workloads.Workload profiled(Workloads.Workload w, Union u, int n) {
        if (opts.profileDir == null || n != xs().get(xs().size() - 1) || !u.label.startsWith("strata")) return w;
        Path jfr = opts.profileDir.toAbsolutePath().resolve(w.id() + "-" + u.label + "-" + n + ".jfr");
        return new Workloads.Workload(w.id(), w.title(), w.target(), w.timesPerRep(), w.prep(), (un, r) -> {
            String pid = Long.toString(un.serverPid().orElseThrow());
            Files.createDirectories(jfr.getParent());
            Shell.run(List.of("jcmd", pid, "JFR.start", "name=bench", "settings=profile")).orThrow(List.of("jcmd", "JFR.start"));
            try {
                return w.step().run(un, r);
            } finally {
                Shell.run(List.of("jcmd", pid, "JFR.stop", "name=bench", "filename=" + jfr)).orThrow(List.of("jcmd", "JFR.stop"));
            }
        });
    }

    private void measure(int rep, int n, Workloads.Workload w, Union u) {
        try {
            Workloads.Sample s = Workloads.measure(w, u, rep, why -> {
                series.note(w.id() + " on " + u.label + " at " + n + ", repetition " + (rep + 1) + ": taken again, " + why);
                log("rep %d n=%-4d %-16s %-15s %s: taken again", rep + 1, n, w.id(), u.label, why);
            });
            if (s.noise() == Noise.Decision.KEEP_DISTURBED)
                series.note(w.id() + " on " + u.label + " at " + n + ", repetition " + (rep + 1) + ": kept, " + s.why());
            series.add(w.id(), u.label, n, rep, s.seconds(), s.serverCpu());
            log("rep %d n=%-4d %-16s %-15s %s", rep + 1, n, w.id(), u.label, s);
        } catch (Throwable t) {
            String msg = t.getClass().getSimpleName() + ": " + t.getMessage();
            series.error(w.id(), u.label, n, msg);
            log("rep %d n=%d %s on %s FAILED: %s", rep + 1, n, w.id(), u.label, msg);
        } finally {
            problems.addAll(u.unmount()); // the next sample's preparation mounts it again
        }
    }

    /** Unmounts everything, stops every server this run started, deletes the scratch directory. Idempotent. */
    synchronized void cleanup() {
        if (cleanedUp) return;
        cleanedUp = true;
        SideBySide.teardown(mode.all(), scratch, opts.keepScratch, problems);
    }

    /** A command line with N lowers, with the lowerdir list cut to its first and last entries. */
    private static String abbreviated(Union u, String line) {
        for (String list : List.of(u.lowerdir(), u.mountDir() == null ? "" : u.lowerdirNames())) {
            String[] ls = list.split(":");
            if (ls.length > 3) line = line.replace(list, ls[0] + ":…:" + ls[ls.length - 1]);
        }
        return line;
    }

    private String report(String started, String loadBefore, double minutes, Throwable failure, String jar, String chartFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Scaling: cost vs number of ").append(mode.xLabel()).append(" (").append(started).append(")\n\n");
        sb.append("Median (min–max) of ").append(opts.reps).append(" repetition(s) per N; ratios are time ratios against ")
                .append(series.baseline()).append(" at the same N, paired per repetition (the columns ran back to back): "
                        + "the median of the pairs' ratios (min–max); server CPU = user + system seconds of the FUSE "
                        + "server during the timed step (median). Chart: [").append(chartFile).append("](").append(chartFile)
                .append("); every sample in the JSON beside this file.\n\n");
        sb.append(series.tables());
        List<String> errs = series.errorLines();
        if (failure != null || !errs.isEmpty() || !problems.isEmpty() || !series.notes().isEmpty()) {
            sb.append("### Failures, problems and noise\n\n");
            if (failure != null) sb.append("- run aborted: ").append(failure).append('\n');
            for (String e : errs) sb.append("- ").append(e).append('\n');
            for (String p : problems) sb.append("- ").append(p).append('\n');
            for (String p : series.notes()) sb.append("- ").append(p).append('\n');
            sb.append('\n');
        }
        sb.append("### Configuration\n\n");
        sb.append("- date: ").append(started).append("; run took ").append(String.format(Locale.ROOT, "%.1f", minutes)).append(" min\n");
        sb.append(SideBySide.environment(loadBefore, scratch));
        sb.append(mode.describe());
        for (Union u : mode.unions(xs().get(xs().size() - 1))) {
            sb.append("- ").append(u.label).append(" at the largest N: ").append(abbreviated(u, u.describe())).append('\n');
            if (!u.serverArgv.isEmpty()) sb.append("  - server argv: `").append(abbreviated(u, u.serverArgv)).append("`\n");
        }
        if (!jar.isEmpty()) sb.append("- strata jar: ").append(jar).append('\n');
        sb.append("- command: `benchmarks/run.sh ").append(String.join(" ", opts.args)).append("`\n");
        return sb.toString();
    }
}
