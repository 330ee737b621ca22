package io.strata.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The block store's targets of issue #4 against a run's medians: snapshot create and restore ≤ 50 ms at every size
 * changed, and at most 1.5× the unchanged case (the paired ratio per repetition against the smallest size); the
 * partly rewritten random reads ≤ 1.5× the overlay-format upper (paired per repetition). Each row says met or
 * NOT met, and why.
 */
final class TargetVerdicts {
    static final double MAX_SNAPSHOT_SECONDS = 0.050;
    static final double MAX_RATIO = 1.5;

    private TargetVerdicts() {
    }

    /** 0 → "0", 8 → "8 MiB", 1024 → "1 GiB". */
    static String size(int mib) {
        if (mib == 0) return "0";
        return mib % 1024 == 0 ? mib / 1024 + " GiB" : mib + " MiB";
    }

    private static String ratio(Ratios.Ratio r) {
        if (r == null) return "–";
        return r.pairs() == 1 ? String.format(Locale.ROOT, "**%.2f**", r.median())
                : String.format(Locale.ROOT, "**%.2f** (%.2f–%.2f)", r.median(), r.min(), r.max());
    }

    private static String ms(double s) {
        return String.format(Locale.ROOT, "%.1f ms", s * 1e3);
    }

    /**
     * A row per metric of the series' first column (x = MiB changed): the median at each x, the ratio of each x against
     * the smallest, the target and the verdict; metrics not in targeted get "not a target". Each other column (a peer
     * of the same run) gets the same row below, labelled as the peer's, without a verdict.
     */
    static String snapshotTable(Series s, Set<String> targeted) {
        StringBuilder sb = new StringBuilder();
        List<String> head = new ArrayList<>(List.of("snapshot, median of the repetitions"));
        for (int x : s.xs) head.add(size(x) + " changed");
        for (int x : s.xs.subList(1, s.xs.size())) head.add(size(x) + "/" + size(s.xs.get(0)));
        head.addAll(List.of("target", "verdict"));
        row(sb, head);
        List<String> sep = new ArrayList<>(List.of("---"));
        for (int i = 1; i < head.size(); i++) sep.add(i < head.size() - 2 ? "---:" : "---");
        row(sb, sep);
        for (Series.Metric m : s.metrics) {
            for (String col : s.columns) {
                boolean peer = !col.equals(s.columns.get(0));
                if (peer && s.xs.stream().allMatch(x -> s.samples(m.id(), col, x).isEmpty())) continue;
                row(sb, snapshotRow(s, m, col, !peer && targeted.contains(m.id()), peer));
            }
        }
        return sb.toString();
    }

    private static List<String> snapshotRow(Series s, Series.Metric m, String col, boolean target, boolean peer) {
        int base = s.xs.get(0);
        List<String> cells = new ArrayList<>(List.of(peer ? "the same on " + col + " (peer, same run)" : m.title() + " `" + m.id() + "`"));
        List<String> misses = new ArrayList<>();
        for (int x : s.xs) {
            double med = s.median(m.id(), col, x);
            cells.add(Double.isNaN(med) ? "–" : ms(med));
            if (Double.isNaN(med)) misses.add("no sample at " + size(x));
            else if (med > MAX_SNAPSHOT_SECONDS) misses.add(size(x) + ": " + ms(med) + " > " + ms(MAX_SNAPSHOT_SECONDS));
        }
        Map<Integer, Double> baseSamples = s.samples(m.id(), col, base);
        for (int x : s.xs.subList(1, s.xs.size())) {
            Ratios.Ratio r = Ratios.paired(s.samples(m.id(), col, x), baseSamples);
            cells.add(ratio(r));
            if (r == null) misses.add("no ratio " + size(x) + "/" + size(base));
            else if (r.median() > MAX_RATIO)
                misses.add(String.format(Locale.ROOT, "%s/%s %.2f > %.1f", size(x), size(base), r.median(), MAX_RATIO));
        }
        cells.add(target ? String.format(Locale.ROOT, "≤ %.0f ms, ratios ≤ %.1f", MAX_SNAPSHOT_SECONDS * 1e3, MAX_RATIO) : "–");
        cells.add(peer ? "(peer)" : !target ? "(not a target)" : misses.isEmpty() ? "met" : "**NOT met**: " + String.join("; ", misses));
        return cells;
    }

    /** A row per read workload: the two columns' medians, the paired ratio store/baseline, target and verdict. */
    static String readTable(Results r, List<Workloads.Workload> workloads, Set<String> targeted) {
        String base = r.columns.get(0), other = r.columns.get(1);
        StringBuilder sb = new StringBuilder();
        row(sb, List.of("reads", base, other, other + "/" + base, "target", "verdict"));
        row(sb, List.of("---", "---:", "---:", "---:", "---", "---"));
        for (Workloads.Workload w : workloads) {
            List<Double> b = new ArrayList<>(r.samples(w.id(), base).values()), o = new ArrayList<>(r.samples(w.id(), other).values());
            Ratios.Ratio ratio = r.ratio(w.id(), other);
            boolean target = targeted.contains(w.id());
            String verdict = !target ? "(not a target)" : ratio == null ? "**NOT met**: no pair"
                    : ratio.median() <= MAX_RATIO ? "met"
                    : String.format(Locale.ROOT, "**NOT met**: %.2f > %.1f", ratio.median(), MAX_RATIO);
            row(sb, List.of(w.title() + " `" + w.id() + "`", b.isEmpty() ? "–" : Results.time(Ratios.median(b)),
                    o.isEmpty() ? "–" : Results.time(Ratios.median(o)), ratio(ratio),
                    target ? String.format(Locale.ROOT, "≤ %.1f", MAX_RATIO) : "–", verdict));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
