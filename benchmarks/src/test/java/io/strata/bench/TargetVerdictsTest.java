package io.strata.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store targets' verdicts: ≤ 50 ms at every size, ratios against the unchanged case paired per repetition. */
class TargetVerdictsTest {
    private static final Series.Metric FAST = new Series.Metric("fast", "flat and fast");
    private static final Series.Metric GROWS = new Series.Metric("grows", "grows with the changes");
    private static final Series.Metric SLOW = new Series.Metric("slow", "flat but slow");
    private static final Series.Metric FREE = new Series.Metric("free", "not a target");

    private static String line(String table, String id) {
        return table.lines().filter(l -> l.contains("`" + id + "`")).findFirst().orElseThrow();
    }

    @Test
    void sizesAreNamedInMibAndGib() {
        assertEquals("0", TargetVerdicts.size(0));
        assertEquals("8 MiB", TargetVerdicts.size(8));
        assertEquals("1 GiB", TargetVerdicts.size(1024));
    }

    @Test
    void snapshotVerdictsAskForBothTheBoundAndTheRatios() {
        Series s = new Series("MiB changed", List.of("strata-store"), List.of(0, 8, 1024), List.of(FAST, GROWS, SLOW, FREE));
        for (int rep = 0; rep < 3; rep++) {
            double noise = rep == 1 ? 3 : 1; // a slow repetition for every size alike: the pairing cancels it
            for (int x : List.of(0, 8, 1024)) {
                s.add(FAST.id(), "strata-store", x, rep, 0.010 * noise * (x == 1024 ? 1.4 : 1), 0);
                s.add(GROWS.id(), "strata-store", x, rep, 0.005 * noise * (x == 0 ? 1 : x == 8 ? 1.2 : 4), 0);
                s.add(SLOW.id(), "strata-store", x, rep, 0.060, 0);
                s.add(FREE.id(), "strata-store", x, rep, 1.0 * (1 + x), 0);
            }
        }
        String t = TargetVerdicts.snapshotTable(s, Set.of(FAST.id(), GROWS.id(), SLOW.id()));
        assertTrue(t.startsWith("| snapshot, median of the repetitions | 0 changed | 8 MiB changed | 1 GiB changed | 8 MiB/0 | 1 GiB/0 |"), t);
        assertTrue(line(t, "fast").contains("| 10.0 ms | 10.0 ms | 14.0 ms | **1.00** (1.00–1.00) | **1.40** (1.40–1.40) |"), t);
        assertTrue(line(t, "fast").endsWith("| met |"), t);
        // 20 ms at 1 GiB is under 50 ms, but 4× the unchanged case
        assertTrue(line(t, "grows").contains("**NOT met**: 1 GiB/0 4.00 > 1.5"), t);
        assertTrue(line(t, "slow").contains("**NOT met**: 0: 60.0 ms > 50.0 ms; 8 MiB: 60.0 ms > 50.0 ms; 1 GiB: 60.0 ms > 50.0 ms"), t);
        assertTrue(line(t, "free").endsWith("| – | (not a target) |"), t);
    }

    @Test
    void aPeerColumnGetsItsOwnRowBelowEachMetricWithoutAVerdict() {
        Series s = new Series("MiB changed", List.of("strata-store", "btrfs"), List.of(0, 8), List.of(FAST, FREE));
        for (int rep = 0; rep < 3; rep++) {
            s.add(FAST.id(), "strata-store", 0, rep, 0.002, 0);
            s.add(FAST.id(), "strata-store", 8, rep, 0.004, 0);
            s.add(FAST.id(), "btrfs", 0, rep, 0.001, Double.NaN);
            s.add(FAST.id(), "btrfs", 8, rep, 0.010, Double.NaN);
        }
        List<String> rows = TargetVerdicts.snapshotTable(s, Set.of(FAST.id())).lines().toList();
        assertEquals(3 + 2, rows.size(), String.join("\n", rows)); // head, separator, fast, its peer row, free
        assertTrue(rows.get(2).contains("`fast`") && rows.get(2).contains("**NOT met**: 8 MiB/0 2.00 > 1.5"), rows.get(2));
        assertEquals("| the same on btrfs (peer, same run) | 1.0 ms | 10.0 ms | **10.00** (10.00–10.00) | – | (peer) |", rows.get(3));
        assertTrue(rows.get(4).contains("`free`"), rows.get(4)); // no peer samples: no peer row
    }

    @Test
    void aMissingSizeIsNotMet() {
        Series s = new Series("MiB changed", List.of("strata-store"), List.of(0, 8), List.of(FAST));
        s.add(FAST.id(), "strata-store", 0, 0, 0.001, 0);
        String t = TargetVerdicts.snapshotTable(s, Set.of(FAST.id()));
        assertTrue(line(t, "fast").contains("**NOT met**: no sample at 8 MiB; no ratio 8 MiB/0"), t);
    }

    @Test
    void readVerdictsAreThePairedRatioAgainstTheFirstColumn() {
        Results r = new Results(List.of("strata-upper", "strata-store"));
        List<Workloads.Workload> ws = List.of(
                new Workloads.Workload("cold", "cold reads", "≤ 1.5", 1, null, null),
                new Workloads.Workload("warm", "warm reads", "≤ 1.5", 1, null, null),
                new Workloads.Workload("dropped", "dropped", "–", 1, null, null));
        for (int rep = 0; rep < 3; rep++) {
            r.add("cold", "strata-upper", rep, 2.0, 0);
            r.add("cold", "strata-store", rep, rep == 2 ? 2.0 : 3.2, 0); // 1.6, 1.6, 1.0: median 1.6
            r.add("warm", "strata-upper", rep, 0.050, 0);
            r.add("warm", "strata-store", rep, 0.060, 0);
            r.add("dropped", "strata-upper", rep, 1.0, 0);
            r.add("dropped", "strata-store", rep, 9.0, 0);
        }
        String t = TargetVerdicts.readTable(r, ws, Set.of("cold", "warm"));
        assertTrue(line(t, "cold").contains("| 2.00 s | 3.20 s | **1.60** (1.00–1.60) | ≤ 1.5 | **NOT met**: 1.60 > 1.5 |"), t);
        assertTrue(line(t, "warm").endsWith("| **1.20** (1.20–1.20) | ≤ 1.5 | met |"), t);
        assertTrue(line(t, "dropped").endsWith("| – | (not a target) |"), t);
    }
}
