package io.strata.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ratio against the baseline is the median of per-round ratios, not a ratio of medians. */
class RatiosTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Ratios.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Ratios.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertEquals(7.0, Ratios.median(List.of(7.0)));
        assertThrows(IllegalArgumentException.class, () -> Ratios.median(List.of()));
    }

    @Test
    void pairsSamplesOfTheSameRound() {
        // round 1 was slow for both (noise), round 2 fast for both: per round strata is 2× the baseline both times
        Map<Integer, Double> base = Map.of(0, 10.0, 1, 1.0, 2, 2.0);
        Map<Integer, Double> strata = Map.of(0, 20.0, 1, 2.0, 2, 5.0);
        Ratios.Ratio r = Ratios.paired(strata, base);
        assertEquals(2.0, r.median(), 1e-12);
        assertEquals(2.0, r.min(), 1e-12);
        assertEquals(2.5, r.max(), 1e-12);
        assertEquals(3, r.pairs());
        // the ratio of medians would say 5 / 2 = 2.5: the noisy round 1 leaks into it
        assertEquals(2.5, Ratios.median(List.copyOf(strata.values())) / Ratios.median(List.copyOf(base.values())), 1e-12);
    }

    @Test
    void evenNumberOfPairsTakesTheMeanOfTheMiddleTwo() {
        Ratios.Ratio r = Ratios.paired(Map.of(0, 1.0, 1, 3.0, 2, 4.0, 3, 100.0), Map.of(0, 1.0, 1, 1.0, 2, 1.0, 3, 1.0));
        assertEquals(3.5, r.median(), 1e-12);
        assertEquals(1.0, r.min(), 1e-12);
        assertEquals(100.0, r.max(), 1e-12);
    }

    @Test
    void roundsMissingOnEitherSideAreLeftOut() {
        // round 1 failed on the baseline, round 2 on the column, round 3 has a zero baseline (no ratio)
        Map<Integer, Double> base = Map.of(0, 2.0, 2, 2.0, 3, 0.0);
        Map<Integer, Double> col = Map.of(0, 3.0, 1, 50.0, 3, 1.0);
        Ratios.Ratio r = Ratios.paired(col, base);
        assertEquals(1, r.pairs());
        assertEquals(1.5, r.median(), 1e-12);
        assertNull(Ratios.paired(Map.of(1, 1.0), Map.of(0, 1.0)));
        assertNull(Ratios.paired(Map.of(), Map.of()));
    }

    @Test
    void resultsUseThePairedRatioInTheTable() {
        Results res = new Results(List.of("overlayfs", "strata"));
        res.add("seq-read-warm", "overlayfs", 0, 1.0, Double.NaN);
        res.add("seq-read-warm", "strata", 0, 3.0, Double.NaN);
        res.add("seq-read-warm", "overlayfs", 1, 4.0, Double.NaN);
        res.add("seq-read-warm", "strata", 1, 4.0, Double.NaN);
        res.add("seq-read-warm", "overlayfs", 2, 2.0, Double.NaN);
        res.add("seq-read-warm", "strata", 2, 4.0, Double.NaN);
        Ratios.Ratio r = res.ratio("seq-read-warm", "strata");
        assertEquals(2.0, r.median(), 1e-12); // ratios 3, 1, 2
        assertEquals(1.0, r.min(), 1e-12);
        assertEquals(3.0, r.max(), 1e-12);
        String table = res.timeTable(List.of(ReportTest.workload("seq-read-warm", "seq read, warm")));
        assertEquals(true, table.contains("**2.00** (1.00–3.00)"), table);
    }

    @Test
    void aSampleTakenAgainReplacesTheDisturbedOneOfItsRound() {
        Results res = new Results(List.of("overlayfs", "strata"));
        res.add("walk-warm", "overlayfs", 0, 1.0, Double.NaN);
        res.add("walk-warm", "strata", 0, 9.0, Double.NaN); // disturbed, then taken again:
        res.add("walk-warm", "strata", 0, 1.5, Double.NaN);
        assertEquals(Map.of(0, 1.5), res.samples("walk-warm", "strata"));
        assertEquals(1.5, res.ratio("walk-warm", "strata").median(), 1e-12);
    }
}
