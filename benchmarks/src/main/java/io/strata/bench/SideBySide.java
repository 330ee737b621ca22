package io.strata.bench;

import static io.strata.bench.Progress.log;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side benchmark: the same workloads on kernel overlayfs, fuse-overlayfs and Strata in one run, each
 * over its own identical copy of the lower trees, interleaved per repetition so that the noise of a shared machine
 * hits all columns alike; reported as time ratios against kernel overlayfs. Run as root through benchmarks/run.sh.
 */
public final class SideBySide {
    private final BenchOptions opts;
    private final Path scratch;
    private final List<Union> unions = new ArrayList<>();
    private final Results results;
    private final List<String> problems = new ArrayList<>();
    private boolean cleanedUp;
    private String jarSource = "";
    private List<Workloads.Workload> workloads = List.of();

    private SideBySide(BenchOptions opts, Path scratch) {
        this.opts = opts;
        this.scratch = scratch;
        Path jarCopy = scratch.resolve("strata.jar");
        if (opts.only.contains("overlayfs")) unions.add(new Union.KernelOverlay(scratch));
        if (opts.only.contains("fuse-overlayfs")) unions.add(new Union.FuseOverlayfs(scratch));
        if (opts.only.contains("strata"))
            unions.add(new Union.Strata("strata", scratch, jarCopy, opts.cliJvm, opts.strataJvm, opts.strataOpts));
        if (opts.only.contains("strata-store")) unions.add(new Union.StrataStore(scratch, jarCopy, opts.cliJvm));
        for (BenchOptions.StrataVariant v : opts.variants)
            unions.add(new Union.Strata(v.label(), scratch, jarCopy, opts.cliJvm, v.jvmFlags(), v.mountOpts()));
        if (unions.isEmpty()) throw new IllegalArgumentException("no columns to run");
        this.results = new Results(unions.stream().map(u -> u.label).toList());
    }

    public static void main(String[] args) throws Exception {
        BenchOptions opts;
        try {
            opts = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            System.err.println("bench: run as root (mount, drop_caches)");
            System.exit(2);
        }
        Path scratch = opts.scratch != null ? Files.createDirectories(opts.scratch)
                : Files.createTempDirectory(Path.of("/var/tmp"), "strata-bench-");
        try (var s = Files.list(scratch)) {
            if (s.findAny().isPresent()) {
                System.err.println("bench: scratch directory " + scratch + " is not empty");
                System.exit(2);
            }
        }
        if (opts.storeTargets) {
            StoreTargets targets = new StoreTargets(opts, scratch);
            Runtime.getRuntime().addShutdownHook(new Thread(targets::cleanup, "bench-cleanup"));
            System.exit(targets.run());
            return;
        }
        if (opts.scaling != null) {
            Scaling scaling = new Scaling(opts, scratch);
            Runtime.getRuntime().addShutdownHook(new Thread(scaling::cleanup, "bench-cleanup"));
            System.exit(scaling.run());
            return;
        }
        SideBySide bench = new SideBySide(opts, scratch);
        Thread hook = new Thread(bench::cleanup, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: unmount everything, stop every server, delete scratch
        int status = bench.run();
        System.exit(status);
    }

    private int run() {
        RunClock clock = RunClock.start();
        String started = clock.started(), loadBefore = clock.loadBefore();
        LowerTrees trees = new LowerTrees(scratch, opts.bigFileBytes);
        Throwable failure = guarded(() -> {
            if (unions.stream().anyMatch(u -> u instanceof Union.Strata || u instanceof Union.StrataStore)) {
                jarSource = snapshotJar(opts.jar, scratch.resolve("strata.jar"));
            }
            log("scratch %s; building the lower trees (%d MiB file, %d/%d/%d files)", scratch, opts.bigFileBytes >> 20,
                    opts.walkFiles, opts.untarFiles, opts.rmFiles);
            trees.build(opts.walkFiles, opts.untarFiles, opts.rmFiles);
            for (Union u : unions) trees.copyTo(u);
            workloads = Workloads.all(opts, trees);
            for (int rep = 0; rep < opts.reps; rep++) repetition(rep, workloads);
        }, this::cleanup);
        double minutes = clock.minutes();
        Path out = opts.out.toAbsolutePath();
        Path chart = sibling(out, "-ratios.svg");
        String report = report(workloads, trees, started, loadBefore, minutes, failure, chart.getFileName().toString());
        if (!write(out, report, results.json(workloads), chart, RatioChart.of(results, workloads), minutes)) return 1;
        return failure == null && problems.isEmpty() && results.errorLines().isEmpty() ? 0 : 1;
    }

    interface Body {
        void run() throws Throwable;
    }

    /** Runs body, then cleanup whatever happens; returns what body threw (logged), or null. */
    static Throwable guarded(Body body, Runnable cleanup) {
        try {
            body.run();
            return null;
        } catch (Throwable t) {
            log("FAILED: %s", t);
            t.printStackTrace();
            return t;
        } finally {
            cleanup.run();
        }
    }

    /**
     * Prints the report and writes it, the JSON beside it (same name, .json) and the chart (chart null: none); false if
     * it could not.
     */
    static boolean write(Path out, String report, String json, Path chart, String svg, double minutes) {
        System.out.println(report);
        Path jsonFile = sibling(out, ".json");
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            Files.writeString(jsonFile, json);
            if (chart != null) Files.writeString(chart, svg);
            log("wrote %s, %s%s (%.1f min)", out, jsonFile.getFileName(), chart == null ? "" : ", " + chart.getFileName(), minutes);
            return true;
        } catch (IOException e) {
            log("cannot write %s: %s", out, e);
            return false;
        }
    }

    /** results-latest.md → results-latest.json / results-latest-ratios.svg */
    static Path sibling(Path markdown, String suffix) {
        String name = markdown.getFileName().toString();
        return markdown.resolveSibling((name.endsWith(".md") ? name.substring(0, name.length() - 3) : name) + suffix);
    }

    static <T> List<T> rotated(List<T> xs, int by) {
        List<T> r = new ArrayList<>(xs);
        java.util.Collections.rotate(r, -(by % xs.size()));
        return r;
    }

    private void repetition(int rep, List<Workloads.Workload> workloads) {
        log("repetition %d/%d", rep + 1, opts.reps);
        for (Union u : unions) u.freshUpper();
        for (Union u : rotated(unions, rep)) u.mount(); // untimed: the first start reads the binaries from disk
        for (int wi = 0; wi < workloads.size(); wi++) {
            Workloads.Workload w = workloads.get(wi);
            for (int k = 0; k < w.timesPerRep(); k++)
                for (Union u : rotated(unions, rep + wi + k)) measure(rep, rep * w.timesPerRep() + k, w, u);
        }
        for (Union u : unions) { // the server after every workload, before it exits
            long[] mem = u.serverMemoryKib();
            if (mem != null) results.memoryAfterWorkloads(u.label, mem[0], mem[1]);
        }
        for (Union u : unions) {
            problems.addAll(u.unmount());
            if (u.peakHwmKib >= 0) results.peakHwm(u.label, u.peakHwmKib);
        }
    }

    private void measure(int rep, int round, Workloads.Workload w, Union u) {
        measure(results, problems, rep, round, w, u);
    }

    /**
     * One sample of w on u into results (a rerun, a disturbed sample, a failure noted there); after a failure u is
     * mounted again, so that a server that died does not take the following workloads with it.
     */
    static void measure(Results results, List<String> problems, int rep, int round, Workloads.Workload w, Union u) {
        try {
            Workloads.Sample s = Workloads.measure(w, u, rep, why -> {
                results.rerun(w.id(), u.label, round, why);
                log("rep %d %-18s %-16s %s: taken again", rep + 1, w.id(), u.label, why);
            });
            if (s.noise() == Noise.Decision.KEEP_DISTURBED) results.disturbed(w.id(), u.label, round, s.why());
            results.add(w.id(), u.label, round, s.seconds(), s.serverCpu());
            log("rep %d %-18s %-16s %s", rep + 1, w.id(), u.label, s);
        } catch (Throwable t) {
            String msg = t.getClass().getSimpleName() + ": " + t.getMessage();
            results.error(w.id(), u.label, msg);
            log("rep %d %s on %s FAILED: %s", rep + 1, w.id(), u.label, msg);
            try {
                problems.addAll(u.unmount());
                u.mount();
            } catch (Throwable again) {
                log("%s: cannot remount: %s", u.label, again.getMessage());
            }
        }
    }

    /** Unmounts everything, stops every server this run started, deletes the scratch directory. Idempotent. */
    private synchronized void cleanup() {
        if (cleanedUp) return;
        cleanedUp = true;
        teardown(unions, scratch, opts.keepScratch, problems);
    }

    /** Unmounts every union, stops what outlives them and any server left below scratch, deletes scratch (unless keep). */
    static void teardown(List<Union> unions, Path scratch, boolean keep, List<String> problems) {
        for (Union u : unions) {
            try {
                problems.addAll(u.unmount());
            } catch (Throwable t) {
                problems.add(u.label + ": unmount: " + t);
            }
        }
        for (Union u : unions) {
            try {
                problems.addAll(u.close());
            } catch (Throwable t) {
                problems.add(u.label + ": close: " + t);
            }
        }
        for (Path mp : MountInfo.under(scratch)) {
            problems.add("left mounted, detached lazily: " + mp);
            Shell.run(List.of("umount", "-l", mp.toString()));
        }
        String prefix = scratch.toString() + "/";
        for (long pid : ServerProcess.find(argv -> argv.stream().anyMatch(a -> a.contains(prefix)))) {
            problems.add("server process " + pid + " left running, stopped: " + ServerProcess.argv(pid));
            ServerProcess.awaitExit(pid, 0);
        }
        if (keep) {
            log("kept %s", scratch);
        } else if (MountInfo.under(scratch).isEmpty()) {
            Shell.removeTree(scratch);
            if (Files.exists(scratch)) problems.add("could not delete " + scratch);
        } else {
            problems.add("not deleting " + scratch + ": something is still mounted below it");
        }
        for (String p : problems) log("%s", p);
    }

    // ---- the report

    private String report(List<Workloads.Workload> workloads, LowerTrees trees, String started, String loadBefore,
                          double minutes, Throwable failure, String chartFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Side-by-side: ").append(String.join(", ", results.columns)).append(" (").append(started).append(")\n\n");
        sb.append("Median (min) of ").append(opts.reps).append(" repetition(s); ratios are time ratios against ")
                .append(results.baseline()).append(", paired per round (the columns of a round run back to back): the "
                        + "**median** of the rounds' ratios (min–max); > 1 = slower. Chart: [").append(chartFile).append("](")
                .append(chartFile).append("); every sample in the JSON beside this file.\n\n");
        sb.append(results.timeTable(workloads)).append('\n');
        if (!results.reruns().isEmpty() || !results.disturbedSamples().isEmpty()) {
            sb.append("Noise: samples during which another process dropped the caches (/proc/vmstat drop counters), ")
                    .append(results.reruns().size()).append(" taken again, ").append(results.disturbedSamples().size())
                    .append(" kept (the workload changes the union, or ").append(Noise.MAX_ATTEMPTS).append(" attempts were all disturbed):\n\n");
            for (String r : results.reruns()) sb.append("- taken again: ").append(r).append('\n');
            for (String r : results.disturbedSamples()) sb.append("- kept, disturbed: ").append(r).append('\n');
            sb.append('\n');
        }
        String cpu = results.cpuTable(workloads);
        if (!cpu.isEmpty()) {
            sb.append("FUSE server CPU time (user + system, all threads) during each timed step, median:\n\n").append(cpu).append('\n');
        }
        List<String> errs = results.errorLines();
        sb.append(failuresAndConfiguration(failure, errs, problems, started, minutes, loadBefore, scratch));
        sb.append("- scale: big file ").append(opts.bigFileBytes >> 20).append(" MiB; walked tree ").append(trees.walkEntries)
                .append(" entries (2 lowers, every directory in both, 10 of 50 names per directory shadowed); untar ")
                .append(trees.untarFiles).append(" files of 0–4 KiB; rm -rf ").append(trees.rmEntries).append(" entries; ")
                .append(opts.randReads).append(" random reads; ").append(opts.reps).append(" repetition(s)\n");
        sb.append("- method: each column has its own copy of the lowers (cp -a of one master) and a fresh upper per repetition; "
                + "per workload the columns run one after another in a rotating order; `sync` before every timed step; "
                + "cold = unmount, mount (a new server process for FUSE), `sync; echo 3 > /proc/sys/vm/drop_caches`; \"dropped\" = the drop without the remount; warm = the same step (or a full read "
                + "of the big file) run untimed just before; reads are 1 MiB read(2) / 4 KiB pread(2) from Java, checked "
                + "against the data; walk = `find DIR -printf '%y %s\\n'` (an lstat per entry); copy-up = open(O_WRONLY), "
                + "pwrite 1 byte at 0, close, after a warm read of the file; mount = the mount command until it returns "
                + "with the mount live (3 per repetition, caches warm); a sample during which /proc/vmstat counts a cache drop "
                + "by another process is prepared and timed again (workloads that read; up to " + Noise.MAX_ATTEMPTS
                + " attempts) or kept and listed (workloads that change the union)\n");
        for (Union u : unions) {
            sb.append("- ").append(u.label).append(": ").append(u.describe()).append('\n');
            if (!u.mountInfo.isEmpty()) sb.append("  - mountinfo: `").append(u.mountInfo).append("`\n");
            if (!u.serverArgv.isEmpty()) sb.append("  - server argv: `").append(u.serverArgv).append("`\n");
            if (u instanceof Union.Strata s) sb.append("  - libfuse argv built by this jar's FuseMount.fuseArgs: `")
                    .append(strataFuseArgs(scratch.resolve("strata.jar"), s)).append("`\n");
        }
        if (!jarSource.isEmpty()) sb.append("- strata jar: ").append(jarSource).append('\n');
        sb.append("- command: `benchmarks/run.sh ").append(String.join(" ", argsForReport())).append("`\n");
        return sb.toString();
    }

    /** The machine, its load before and now, the scratch filesystem, java: lines of a report's configuration. */
    /** The report's failures section (when there are any) and the start of its configuration section. */
    static String failuresAndConfiguration(Throwable failure, List<String> errs, List<String> problems, String started,
                                           double minutes, String loadBefore, Path scratch) {
        StringBuilder sb = new StringBuilder();
        if (failure != null || !errs.isEmpty() || !problems.isEmpty()) {
            sb.append("### Failures and problems\n\n");
            if (failure != null) sb.append("- run aborted: ").append(failure).append('\n');
            for (String e : errs) sb.append("- ").append(e).append('\n');
            for (String p : problems) sb.append("- ").append(p).append('\n');
            sb.append('\n');
        }
        sb.append("### Configuration\n\n");
        sb.append("- date: ").append(started).append("; run took ").append(String.format(Locale.ROOT, "%.1f", minutes)).append(" min\n");
        sb.append(environment(loadBefore, scratch));
        return sb.toString();
    }

    static String environment(String loadBefore, java.nio.file.Path scratch) {
        StringBuilder sb = new StringBuilder();
        sb.append("- machine: kernel ").append(Shell.output("uname", "-r")).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs (").append(cpuModel()).append("), ")
                .append(memTotal()).append("; load average before ").append(loadBefore.split(" ", 4).length > 3
                        ? String.join(" ", Arrays.copyOf(loadBefore.split(" "), 3)) : loadBefore)
                .append(", after ").append(String.join(" ", Arrays.copyOf(Shell.output("cat", "/proc/loadavg").split(" "), 3))).append('\n');
        Path existing = scratch; // the report may be written after the scratch directory went
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        sb.append("- scratch filesystem: ").append(Shell.output("findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS", "-T", existing.toString())).append('\n');
        sb.append("- java: ").append(Shell.run(List.of("java", "-version")).err().lines().findFirst().orElse("?")).append('\n');
        return sb.toString();
    }

    /** Copies the jar aside (others may rebuild it while this runs); says what was copied and from which sources. */
    static String snapshotJar(Path jar, Path copy) throws IOException {
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no Strata jar at " + jar + " (build it)");
        Files.copy(jar, copy, StandardCopyOption.COPY_ATTRIBUTES);
        return jar + " (built " + Files.getLastModifiedTime(jar) + ", sha256 " + sha256(copy)
                + "); sources at the start of the run: git " + Shell.output("git", "rev-parse", "--short", "HEAD")
                + ", uncommitted changes in: " + String.join(" ", Shell.output("git", "status", "--short", "--untracked-files=no")
                .lines().map(l -> l.replaceFirst("^\\s*\\S+\\s+", "")).toList());
    }

    private List<String> argsForReport() {
        return opts.args;
    }

    private static String cpuModel() {
        for (String l : Shell.output("cat", "/proc/cpuinfo").lines().toList())
            if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim();
        return "?";
    }

    private static String memTotal() {
        for (String l : Shell.output("cat", "/proc/meminfo").lines().toList())
            if (l.startsWith("MemTotal:"))
                return String.format(Locale.ROOT, "%.0f GiB RAM", Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0);
        return "?";
    }

    private static String sha256(Path p) {
        String s = Shell.output("sha256sum", p.toString());
        return s.substring(0, Math.min(16, s.length()));
    }

    /** Asks the benchmarked jar itself which libfuse options it passes (they live in FuseMount, not in the argv). */
    private String strataFuseArgs(Path jar, Union.Strata s) {
        Path j = Files.exists(jar) ? jar : opts.jar;
        String old = System.getProperty("strata.fuse.threads");
        try (URLClassLoader cl = new URLClassLoader(new URL[]{j.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            for (String f : Shell.words(s.serverJvm()))
                if (f.startsWith("-Dstrata.fuse.threads=")) System.setProperty("strata.fuse.threads", f.substring(22));
            Class<?> mo = cl.loadClass("io.strata.core.options.MountOptions");
            List<String> o = new ArrayList<>(List.of("lowerdir=/l,upperdir=/u,workdir=/w"));
            if (!s.extraOpts().isEmpty()) o.add(s.extraOpts());
            Object parsed = mo.getMethod("parse", List.class).invoke(null, o);
            Method m = cl.loadClass("io.strata.fuse.FuseMount").getMethod("fuseArgs", mo, String.class);
            return String.join(" ", (String[]) m.invoke(null, parsed, "MNT"));
        } catch (Throwable t) {
            return "unknown (" + t + ")";
        } finally {
            if (old == null) System.clearProperty("strata.fuse.threads");
            else System.setProperty("strata.fuse.threads", old);
        }
    }
}
