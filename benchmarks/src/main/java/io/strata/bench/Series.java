package io.strata.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scaling run's samples: per metric, column and N (lower layers, snapshots) the seconds of each round, and the
 * server's CPU seconds. What is made of them: medians and ranges per N, the paired ratio against the baseline at the
 * same N ({@link Ratios}), the growth from the smallest to the largest N, the markdown tables, the JSON and the
 * line chart ({@link LineChart}).
 */
final class Series {
    record Metric(String id, String title) {
    }

    /** What N counts, for headings and the chart's x axis: "lower layers", "snapshots". */
    final String xLabel;
    final List<String> columns;
    final List<Integer> xs;
    final List<Metric> metrics;
    private final Map<String, Map<Integer, Double>> seconds = new LinkedHashMap<>();
    private final Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
    private final Map<String, String> errors = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    Series(String xLabel, List<String> columns, List<Integer> xs, List<Metric> metrics) {
        this.xLabel = xLabel;
        this.columns = List.copyOf(columns);
        this.xs = List.copyOf(xs);
        this.metrics = List.copyOf(metrics);
    }

    private static String key(String metric, String column, int x) {
        return metric + "\0" + column + "\0" + x;
    }

    /** cpuSecs: NaN for a kernel mount (no server process). */
    void add(String metric, String column, int x, int round, double secs, double cpuSecs) {
        seconds.computeIfAbsent(key(metric, column, x), k -> new TreeMap<>()).put(round, secs);
        if (!Double.isNaN(cpuSecs)) serverCpu.computeIfAbsent(key(metric, column, x), k -> new ArrayList<>()).add(cpuSecs);
    }

    void error(String metric, String column, int x, String message) {
        errors.putIfAbsent(key(metric, column, x), message);
    }

    /** Samples taken again, other remarks of the run. */
    void note(String note) {
        notes.add(note);
    }

    List<String> notes() {
        return notes;
    }

    List<String> errorLines() {
        List<String> out = new ArrayList<>();
        errors.forEach((k, m) -> {
            String[] p = k.split("\0");
            out.add(p[0] + " on " + p[1] + " at " + p[2] + " " + xLabel + ": " + m);
        });
        return out;
    }

    /** Seconds by round (empty when there are none). */
    Map<Integer, Double> samples(String metric, String column, int x) {
        return seconds.getOrDefault(key(metric, column, x), Map.of());
    }

    /** Median seconds, NaN without samples. */
    double median(String metric, String column, int x) {
        Map<Integer, Double> s = samples(metric, column, x);
        return s.isEmpty() ? Double.NaN : Ratios.median(s.values());
    }

    String baseline() {
        return columns.contains("overlayfs") ? "overlayfs" : columns.get(0);
    }

    /** Every column but the baseline. */
    List<String> ratioColumns() {
        return columns.stream().filter(c -> !c.equals(baseline())).toList();
    }

    /** column against the baseline at the same N, paired per round; null without a pair. */
    Ratios.Ratio ratio(String metric, String column, int x) {
        return Ratios.paired(samples(metric, column, x), samples(metric, baseline(), x));
    }

    /** Median at the largest N over the median at the smallest N that have samples; NaN with fewer than two. */
    double growth(String metric, String column) {
        List<Double> ms = new ArrayList<>();
        for (int x : xs) {
            double m = median(metric, column, x);
            if (!Double.isNaN(m)) ms.add(m);
        }
        return ms.size() < 2 || ms.get(0) <= 0 ? Double.NaN : ms.get(ms.size() - 1) / ms.get(0);
    }

    private List<String> cpuColumns(String metric) {
        List<String> out = new ArrayList<>();
        for (String c : columns)
            for (int x : xs)
                if (serverCpu.containsKey(key(metric, c, x)) && !out.contains(c)) out.add(c);
        return out;
    }

    /** Per metric: a row per N, median (min–max) per column, ratios against the baseline, server CPU; then growth. */
    String tables() {
        StringBuilder sb = new StringBuilder();
        for (Metric m : metrics) {
            sb.append("#### ").append(m.title()).append(" `").append(m.id()).append("`\n\n");
            List<String> cpuCols = cpuColumns(m.id());
            List<String> head = new ArrayList<>(List.of(xLabel));
            head.addAll(columns);
            for (String c : ratioColumns()) head.add(c + "/" + baseline());
            for (String c : cpuCols) head.add(c + " server CPU");
            row(sb, head);
            List<String> sep = new ArrayList<>();
            for (int i = 0; i < head.size(); i++) sep.add(i == 0 ? "---:" : "---:");
            row(sb, sep);
            for (int x : xs) {
                List<String> cells = new ArrayList<>(List.of(Integer.toString(x)));
                for (String c : columns) {
                    List<Double> v = new ArrayList<>(samples(m.id(), c, x).values());
                    String cell = v.isEmpty() ? "–" : v.size() == 1 ? Results.time(v.get(0))
                            : Results.time(Ratios.median(v)) + " (" + Results.time(Collections.min(v)) + "–"
                            + Results.time(Collections.max(v)) + ")";
                    if (errors.containsKey(key(m.id(), c, x))) cell += " **FAILED**";
                    cells.add(cell);
                }
                for (String c : ratioColumns()) {
                    Ratios.Ratio r = ratio(m.id(), c, x);
                    cells.add(r == null ? "–" : r.pairs() == 1 ? String.format(Locale.ROOT, "**%.2f**", r.median())
                            : String.format(Locale.ROOT, "**%.2f** (%.2f–%.2f)", r.median(), r.min(), r.max()));
                }
                for (String c : cpuCols) {
                    List<Double> v = serverCpu.get(key(m.id(), c, x));
                    cells.add(v == null ? "–" : String.format(Locale.ROOT, "%.2f s", Ratios.median(v)));
                }
                row(sb, cells);
            }
            List<String> growth = new ArrayList<>(List.of("× from " + xs.get(0) + " to " + xs.get(xs.size() - 1)));
            for (String c : columns) {
                double g = growth(m.id(), c);
                growth.add(Double.isNaN(g) ? "–" : String.format(Locale.ROOT, "×%.1f", g));
            }
            while (growth.size() < head.size()) growth.add("");
            row(sb, growth);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    /** Every sample by round, medians, ratios, growth, server CPU, errors, notes. */
    String json() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"x\": ").append(Json.str(xLabel)).append(",\n");
        sb.append("  \"xs\": ").append(xs).append(",\n");
        sb.append("  \"baseline\": ").append(Json.str(baseline())).append(",\n");
        sb.append("  \"columns\": ").append(Json.strings(columns)).append(",\n");
        sb.append("  \"metrics\": [");
        for (int i = 0; i < metrics.size(); i++) {
            Metric m = metrics.get(i);
            sb.append(i == 0 ? "\n" : ",\n");
            sb.append("    {\"id\": ").append(Json.str(m.id())).append(", \"title\": ").append(Json.str(m.title()))
                    .append(", \"columns\": {");
            List<String> cols = new ArrayList<>();
            for (String c : columns) {
                List<String> points = new ArrayList<>();
                for (int x : xs) {
                    Map<Integer, Double> s = samples(m.id(), c, x);
                    String err = errors.get(key(m.id(), c, x));
                    if (s.isEmpty() && err == null) continue;
                    StringBuilder p = new StringBuilder(Json.str(Integer.toString(x))).append(": {");
                    if (!s.isEmpty()) {
                        List<String> byRound = new ArrayList<>();
                        s.forEach((round, v) -> byRound.add(Json.str(Integer.toString(round + 1)) + ": " + Json.num(v)));
                        p.append("\"median\": ").append(Json.num(Ratios.median(s.values()))).append(", \"min\": ")
                                .append(Json.num(Collections.min(s.values()))).append(", \"max\": ")
                                .append(Json.num(Collections.max(s.values()))).append(", \"rounds\": {")
                                .append(String.join(", ", byRound)).append("}");
                        Ratios.Ratio r = c.equals(baseline()) ? null : ratio(m.id(), c, x);
                        if (r != null) p.append(", \"ratio\": {\"median\": ").append(Json.num(r.median())).append(", \"min\": ")
                                .append(Json.num(r.min())).append(", \"max\": ").append(Json.num(r.max()))
                                .append(", \"pairs\": ").append(r.pairs()).append("}");
                        List<Double> cpu = serverCpu.get(key(m.id(), c, x));
                        if (cpu != null) p.append(", \"serverCpuSeconds\": ").append(Json.num(Ratios.median(cpu)));
                    }
                    if (err != null) p.append(s.isEmpty() ? "" : ", ").append("\"error\": ").append(Json.str(err));
                    points.add(p.append("}").toString());
                }
                cols.add(Json.str(c) + ": {\"growth\": " + Json.num(growth(m.id(), c)) + ", \"points\": {"
                        + String.join(", ", points) + "}}");
            }
            sb.append(String.join(", ", cols)).append("}}");
        }
        sb.append("\n  ],\n  \"notes\": ").append(Json.strings(notes)).append("\n}\n");
        return sb.toString();
    }
}
