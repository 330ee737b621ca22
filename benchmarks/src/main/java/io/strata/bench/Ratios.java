package io.strata.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Time ratios of a column against the baseline, paired per round: the columns of one round ran one after another, so
 * whatever slowed the machine then slowed both sides of the pair, and the median of the pairs' ratios keeps that
 * noise out better than a ratio of two medians taken at different moments.
 */
final class Ratios {
    private Ratios() {
    }

    /** The median, min and max of the per-round ratios, and how many rounds had both samples. */
    record Ratio(double median, double min, double max, int pairs) {
    }

    /** Samples by round; a round missing on either side (a failed or skipped sample) is left out. Null: no pair. */
    static Ratio paired(Map<Integer, Double> column, Map<Integer, Double> baseline) {
        List<Double> rs = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : column.entrySet()) {
            Double base = baseline.get(e.getKey());
            if (base != null && base > 0 && e.getValue() != null) rs.add(e.getValue() / base);
        }
        if (rs.isEmpty()) return null;
        return new Ratio(median(rs), Collections.min(rs), Collections.max(rs), rs.size());
    }

    static double median(Collection<Double> xs) {
        if (xs.isEmpty()) throw new IllegalArgumentException("median of nothing");
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
