package io.strata.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every JMH benchmark runs: each method with its short parameter set ({@link Suite#shortValues}), in this JVM, one
 * 100 ms warm-up and one 100 ms measurement (one call each for single-shot ones), and each produces a result. No
 * timing is asserted: this proves the benchmarks work, not how fast anything is.
 */
class JmhSmokeTest {
    @Test
    void everyBenchmarkProducesAResult(@TempDir Path tmp) throws Exception {
        // the JMH lock keeps timed runs apart; this run times nothing, and another session's JMH may hold it
        System.setProperty("jmh.ignoreLock", "true");
        CommandLineOptions all = new CommandLineOptions();
        List<BenchmarkListEntry> benchmarks = Suite.selected(all);
        assertTrue(benchmarks.size() >= 30, "benchmarks found: " + benchmarks.size());
        for (String concern : List.of("store", "snapshot", "copyup", "namei", "readdir", "whiteout"))
            assertTrue(benchmarks.stream().anyMatch(b -> b.getUsername().startsWith("io.strata.jmh." + concern + ".")), concern);

        Path json = tmp.resolve("smoke.json");
        Collection<RunResult> results = Suite.run(Suite.Profile.SMOKE, all, json);

        Map<String, Integer> runs = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            runs.merge(name, 1, Integer::sum);
            double score = r.getPrimaryResult().getScore();
            assertFalse(Double.isNaN(score) || Double.isInfinite(score), name + " " + r.getParams() + ": score " + score);
            assertTrue(r.getPrimaryResult().getSampleCount() >= 1, name + ": no sample");
        }
        for (BenchmarkListEntry b : benchmarks) {
            int combinations = Suite.shortParams(b).values().stream().mapToInt(List::size).reduce(1, (x, y) -> x * y);
            assertEquals(combinations, runs.getOrDefault(b.getUsername(), 0), b.getUsername() + ": results");
        }

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(results.size(), j.size());
        for (JsonNode r : j) assertTrue(r.at("/primaryMetric/score").isNumber(), r.get("benchmark").asText());

        try (Stream<Path> left = Files.list(Path.of("/var/tmp"))) { // every trial deleted what it made
            List<Path> scratch = left.filter(p -> p.getFileName().toString().startsWith("strata-jmh-")).toList();
            assertTrue(scratch.stream().noneMatch(p -> lastModifiedAfterStart(p)), "left behind: " + scratch);
        }
    }

    private static final long START = System.currentTimeMillis();

    private static boolean lastModifiedAfterStart(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis() >= START;
        } catch (java.io.IOException e) {
            return false; // deleted meanwhile
        }
    }
}
