package io.strata.jmh;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs Strata's JMH benchmarks ({@code io.strata.jmh.*}) in one of three profiles and writes one JSON result file.
 * <ul>
 * <li>{@code full}: forks, warm-up and iterations as each class declares them, every {@code @Param} value;</li>
 * <li>{@code quick}: 1 fork, 1 s warm-up, 2 × 1 s measured, and the short parameter set ({@link #shortValues});</li>
 * <li>{@code smoke}: in this JVM (no fork), 100 ms warm-up and measurement, the short parameter set: proves that every
 * benchmark runs and produces a result (the CI test), says nothing about speed.</li>
 * </ul>
 * Arguments after the profile flags are JMH's own (benchmark regexps, {@code -p name=v}, {@code -jvmArgsAppend}, ...).
 * The short profiles run one benchmark method at a time with its own parameter set, and take from JMH's arguments only
 * the regexps ({@code -e} too), {@code -p} (which wins over the short set) and the {@code -jvmArgs*} options.
 * <pre>java -cp … io.strata.jmh.Suite [--quick|--smoke] [--json FILE] [JMH arguments…]</pre>
 */
public final class Suite {
    public enum Profile { FULL, QUICK, SMOKE }

    private Suite() {
    }

    public static void main(String[] args) throws Exception {
        Profile profile = Profile.FULL;
        Path json = null;
        List<String> jmh = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> profile = Profile.QUICK;
                case "--smoke" -> profile = Profile.SMOKE;
                case "--json" -> json = Path.of(args[++i]);
                default -> jmh.add(args[i]);
            }
        }
        if (json == null) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            json = Path.of("benchmarks/results/jmh-" + stamp + (profile == Profile.FULL ? "" : "-" + profile.name().toLowerCase()) + ".json");
        }
        CommandLineOptions cli = new CommandLineOptions(jmh.toArray(String[]::new));
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams()) { // JMH's own -h / -l / -lp
            org.openjdk.jmh.Main.main(jmh.toArray(String[]::new));
            return;
        }
        Collection<RunResult> results = run(profile, cli, json);
        System.out.println("strata jmh: " + results.size() + " results in " + json.toAbsolutePath());
    }

    /** Runs the benchmarks cli selects (all when it names none) and writes their results to json. */
    public static Collection<RunResult> run(Profile profile, CommandLineOptions cli, Path json) throws RunnerException, IOException {
        Path out = json.toAbsolutePath();
        Files.createDirectories(out.getParent());
        if (profile == Profile.FULL) {
            return new Runner(new OptionsBuilder().parent(cli).resultFormat(ResultFormatType.JSON).result(out.toString()).build()).run();
        }
        List<RunResult> all = new ArrayList<>();
        for (BenchmarkListEntry e : selected(cli)) {
            // not cli as a parent: JMH would add its regexps to this run's one
            ChainedOptionsBuilder b = new OptionsBuilder()
                    .include("^" + Pattern.quote(e.getUsername()) + "$")
                    .shouldFailOnError(true)
                    .warmupIterations(1)
                    .measurementIterations(profile == Profile.SMOKE ? 1 : 2);
            if (profile == Profile.SMOKE) {
                b.forks(0).warmupTime(TimeValue.milliseconds(100)).measurementTime(TimeValue.milliseconds(100));
            } else {
                b.forks(1).warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1));
            }
            shortParams(e).forEach((name, values) -> b.param(name, cli.getParameter(name).orElse(values).toArray(String[]::new)));
            if (cli.getJvmArgs().hasValue()) b.jvmArgs(cli.getJvmArgs().get().toArray(String[]::new));
            if (cli.getJvmArgsAppend().hasValue()) b.jvmArgsAppend(cli.getJvmArgsAppend().get().toArray(String[]::new));
            if (cli.getJvmArgsPrepend().hasValue()) b.jvmArgsPrepend(cli.getJvmArgsPrepend().get().toArray(String[]::new));
            long t0 = System.nanoTime();
            all.addAll(new Runner(b.build()).run());
            System.out.printf(java.util.Locale.ROOT, "strata jmh: %s took %.1f s%n", e.getUsername(), (System.nanoTime() - t0) / 1e9);
        }
        ResultFormatFactory.getInstance(ResultFormatType.JSON, out.toString()).writeOut(all);
        return all;
    }

    /** The benchmark methods cli's regexps select, once each (JMH lists a method once per mode). */
    public static List<BenchmarkListEntry> selected(CommandLineOptions cli) {
        OutputFormat quiet = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        List<String> includes = cli.getIncludes().isEmpty() ? List.of(".*") : cli.getIncludes();
        Map<String, BenchmarkListEntry> byName = new LinkedHashMap<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().find(quiet, includes, cli.getExcludes()))
            byName.putIfAbsent(e.getUsername(), e);
        return new ArrayList<>(byName.values());
    }

    /** Every parameter of the benchmark with its short set of values. */
    public static Map<String, List<String>> shortParams(BenchmarkListEntry e) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, String[]> params = e.getParams().orElse(Map.of());
        params.forEach((name, values) -> out.put(name, shortValues(values)));
        return out;
    }

    /**
     * The values a short run uses: the smallest of numeric values (sizes, counts, depths), all of any other kind
     * (which upper, which data: each is a different code path, and a smoke run must take them all).
     */
    public static List<String> shortValues(String[] values) {
        try {
            String smallest = values[0];
            for (String v : values) if (Double.parseDouble(v) < Double.parseDouble(smallest)) smallest = v;
            return List.of(smallest);
        } catch (NumberFormatException notNumeric) {
            return Arrays.asList(values);
        }
    }
}
