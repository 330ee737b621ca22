package io.strata.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples per workload, column and round (a round: one repetition's k-th sample of a workload, taken on every column
 * one after another), and what is made of them: medians, ratios against the baseline as the median of per-round
 * paired ratios ({@link Ratios}), the markdown tables, the JSON and the chart ({@link RatioChart}).
 */
final class Results {
    final List<String> columns;
    private final Map<String, Map<String, Map<Integer, Double>>> seconds = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Double>>> serverCpu = new LinkedHashMap<>();
    /** Samples taken while another process dropped the caches, kept because they could not be taken again. */
    private final List<String> disturbed = new ArrayList<>();
    /** Samples thrown away and taken again for the same reason. */
    private final List<String> reruns = new ArrayList<>();
    private final Map<String, Map<String, String>> errors = new LinkedHashMap<>();
    private final Map<String, List<Long>> rssAfterKib = new LinkedHashMap<>();
    private final Map<String, List<Long>> hwmAfterKib = new LinkedHashMap<>();
    private final Map<String, Long> peakHwmKib = new LinkedHashMap<>();

    Results(List<String> columns) {
        this.columns = columns;
    }

    void add(String workload, String column, int round, double secs, double cpuSecs) {
        seconds.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new TreeMap<>()).put(round, secs);
        if (!Double.isNaN(cpuSecs))
            serverCpu.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new ArrayList<>()).add(cpuSecs);
    }

    void rerun(String workload, String column, int round, String why) {
        reruns.add(workload + " on " + column + ", round " + (round + 1) + ": " + why);
    }

    void disturbed(String workload, String column, int round, String why) {
        disturbed.add(workload + " on " + column + ", round " + (round + 1) + ": " + why);
    }

    List<String> reruns() {
        return reruns;
    }

    List<String> disturbedSamples() {
        return disturbed;
    }

    /** The samples of one workload on one column, by round (empty when there are none). */
    Map<Integer, Double> samples(String workload, String column) {
        return seconds.getOrDefault(workload, Map.of()).getOrDefault(column, Map.of());
    }

    private List<Double> values(String workload, String column) {
        return new ArrayList<>(samples(workload, column).values());
    }

    /** column's time against the baseline's, paired per round; null without a pair. */
    Ratios.Ratio ratio(String workload, String column) {
        return Ratios.paired(samples(workload, column), samples(workload, baseline()));
    }
    void error(String workload, String column, String message) {
        errors.computeIfAbsent(workload, k -> new LinkedHashMap<>()).putIfAbsent(column, message);
    }

    void memoryAfterWorkloads(String column, long rssKib, long hwmKib) {
        rssAfterKib.computeIfAbsent(column, k -> new ArrayList<>()).add(rssKib);
        hwmAfterKib.computeIfAbsent(column, k -> new ArrayList<>()).add(hwmKib);
    }

    void peakHwm(String column, long kib) {
        peakHwmKib.merge(column, kib, Math::max);
    }

    List<String> errorLines() {
        List<String> out = new ArrayList<>();
        errors.forEach((w, m) -> m.forEach((c, e) -> out.add(w + " on " + c + ": " + e)));
        return out;
    }

    static double median(List<Double> xs) {
        return Ratios.median(xs);
    }

    static double min(List<Double> xs) {
        return Collections.min(xs);
    }

    static String time(double s) {
        if (s < 0.01) return String.format(Locale.ROOT, "%.2f ms", s * 1e3);
        if (s < 1) return String.format(Locale.ROOT, "%.0f ms", s * 1e3);
        if (s < 10) return String.format(Locale.ROOT, "%.2f s", s);
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    String baseline() {
        return columns.contains("overlayfs") ? "overlayfs" : columns.get(0);
    }

    /** Ratio columns: every column against the baseline, Strata's first, fuse-overlayfs' last (as the issue asks). */
    List<String> ratioColumns() {
        List<String> r = new ArrayList<>();
        for (String c : columns) if (!c.equals(baseline()) && !c.equals("fuse-overlayfs")) r.add(c);
        if (columns.contains("fuse-overlayfs") && !baseline().equals("fuse-overlayfs")) r.add("fuse-overlayfs");
        return r;
    }

    /** The main table: median (min) per column, then the ratios: median of the per-round ratios (min–max). */
    String timeTable(List<Workloads.Workload> workloads) {
        StringBuilder sb = new StringBuilder();
        List<String> head = new ArrayList<>(List.of("workload"));
        head.addAll(columns);
        for (String c : ratioColumns()) head.add(c + "/" + baseline());
        boolean targets = baseline().equals("overlayfs"); // the targets are ratios against overlayfs
        if (targets) head.add("target (strata/overlayfs)");
        row(sb, head);
        List<String> sep = new ArrayList<>();
        for (int i = 0; i < head.size(); i++) sep.add(i == 0 ? "---" : "---:");
        row(sb, sep);
        for (Workloads.Workload w : workloads) {
            Map<String, String> err = errors.getOrDefault(w.id(), Map.of());
            List<String> cells = new ArrayList<>(List.of(w.title() + " `" + w.id() + "`"));
            for (String c : columns) {
                List<Double> xs = values(w.id(), c);
                String cell = xs.isEmpty() ? "–" : time(median(xs)) + " (" + time(min(xs)) + ")";
                if (err.containsKey(c)) cell += " **FAILED**";
                cells.add(cell);
            }
            for (String c : ratioColumns()) {
                Ratios.Ratio r = ratio(w.id(), c);
                if (r == null) cells.add("–");
                else if (r.pairs() == 1) cells.add(String.format(Locale.ROOT, "**%.2f**", r.median()));
                else cells.add(String.format(Locale.ROOT, "**%.2f** (%.2f–%.2f)", r.median(), r.min(), r.max()));
            }
            if (targets) cells.add(w.target());
            row(sb, cells);
        }
        memoryRows(sb, head.size());
        return sb.toString();
    }

    private void memoryRows(StringBuilder sb, int width) {
        if (rssAfterKib.isEmpty() && peakHwmKib.isEmpty()) return;
        List<String[]> rows = List.of(
                new String[]{"server VmRSS after all workloads (median of repetitions)", "rss"},
                new String[]{"server VmHWM, peak over every server process started", "hwm"});
        for (String[] r : rows) {
            List<String> cells = new ArrayList<>(List.of(r[0]));
            for (String c : columns) {
                long kib;
                if (r[1].equals("rss")) {
                    List<Long> xs = rssAfterKib.get(c);
                    kib = xs == null ? -1 : medianLong(xs);
                } else {
                    kib = peakHwmKib.getOrDefault(c, -1L);
                }
                cells.add(kib < 0 ? "– (kernel)" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0));
            }
            while (cells.size() < width - 1) cells.add("");
            cells.add(baseline().equals("overlayfs") ? "≤ 200 MB (strata)" : "");
            row(sb, cells);
        }
    }

    private static long medianLong(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    /** CPU seconds the FUSE server used during each timed step (user + system, 10 ms ticks). */
    String cpuTable(List<Workloads.Workload> workloads) {
        List<String> fuseCols = new ArrayList<>();
        for (String c : columns) if (serverCpu.values().stream().anyMatch(m -> m.containsKey(c))) fuseCols.add(c);
        if (fuseCols.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        List<String> head = new ArrayList<>(List.of("workload"));
        for (String c : fuseCols) head.add(c + " server CPU");
        for (String c : fuseCols) head.add(c + " wall");
        row(sb, head);
        List<String> sep = new ArrayList<>();
        for (int i = 0; i < head.size(); i++) sep.add(i == 0 ? "---" : "---:");
        row(sb, sep);
        for (Workloads.Workload w : workloads) {
            if (w.id().equals("mount")) continue;
            List<String> cells = new ArrayList<>(List.of("`" + w.id() + "`"));
            for (String c : fuseCols) {
                List<Double> xs = serverCpu.getOrDefault(w.id(), Map.of()).get(c);
                cells.add(xs == null || xs.isEmpty() ? "–" : String.format(Locale.ROOT, "%.2f s", median(xs)));
            }
            for (String c : fuseCols) {
                List<Double> xs = values(w.id(), c);
                cells.add(xs.isEmpty() ? "–" : time(median(xs)));
            }
            row(sb, cells);
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    /** Everything measured, for other tools: samples by round, medians, paired ratios, errors, noise, memory. */
    String json(List<Workloads.Workload> workloads) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"baseline\": ").append(Json.str(baseline())).append(",\n");
        sb.append("  \"columns\": ").append(Json.strings(columns)).append(",\n");
        sb.append("  \"ratio\": \"time / baseline time, per round; median, min, max over the rounds\",\n");
        sb.append("  \"workloads\": [");
        for (int i = 0; i < workloads.size(); i++) {
            Workloads.Workload w = workloads.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"id\": ").append(Json.str(w.id())).append(", \"title\": ").append(Json.str(w.title()))
                    .append(", \"target\": ").append(Json.str(w.target())).append(",\n      \"seconds\": {");
            List<String> parts = new ArrayList<>();
            for (String c : columns) {
                Map<Integer, Double> xs = samples(w.id(), c);
                if (xs.isEmpty()) continue;
                List<String> byRound = new ArrayList<>();
                xs.forEach((round, v) -> byRound.add(Json.str(Integer.toString(round + 1)) + ": " + Json.num(v)));
                List<Double> vs = new ArrayList<>(xs.values());
                parts.add(Json.str(c) + ": {\"median\": " + Json.num(median(vs)) + ", \"min\": " + Json.num(min(vs))
                        + ", \"max\": " + Json.num(Collections.max(vs)) + ", \"rounds\": {" + String.join(", ", byRound) + "}}");
            }
            sb.append(String.join(", ", parts)).append("},\n      \"ratios\": {");
            parts.clear();
            for (String c : ratioColumns()) {
                Ratios.Ratio r = ratio(w.id(), c);
                if (r != null) parts.add(Json.str(c) + ": {\"median\": " + Json.num(r.median()) + ", \"min\": "
                        + Json.num(r.min()) + ", \"max\": " + Json.num(r.max()) + ", \"pairs\": " + r.pairs() + "}");
            }
            sb.append(String.join(", ", parts)).append("},\n      \"serverCpuSeconds\": {");
            parts.clear();
            serverCpu.getOrDefault(w.id(), Map.of()).forEach((c, xs) -> parts.add(Json.str(c) + ": {\"median\": "
                    + Json.num(median(xs)) + ", \"min\": " + Json.num(min(xs)) + ", \"max\": " + Json.num(Collections.max(xs))
                    + ", \"samples\": " + xs.size() + "}"));
            sb.append(String.join(", ", parts)).append("},\n      \"errors\": {");
            parts.clear();
            errors.getOrDefault(w.id(), Map.of()).forEach((c, e) -> parts.add(Json.str(c) + ": " + Json.str(e)));
            sb.append(String.join(", ", parts)).append("}}");
        }
        sb.append("\n  ],\n");
        sb.append("  \"reruns\": ").append(Json.strings(reruns)).append(",\n");
        sb.append("  \"disturbed\": ").append(Json.strings(disturbed)).append(",\n");
        List<String> mem = new ArrayList<>();
        for (String c : columns) {
            List<Long> rss = rssAfterKib.get(c);
            Long hwm = peakHwmKib.get(c);
            if (rss == null && hwm == null) continue;
            mem.add(Json.str(c) + ": {\"rssAfterWorkloadsKib\": " + (rss == null ? "null" : medianLong(rss))
                    + ", \"peakHwmKib\": " + (hwm == null ? "null" : hwm) + "}");
        }
        sb.append("  \"serverMemory\": {").append(String.join(", ", mem)).append("}\n}\n");
        return sb.toString();
    }
}
