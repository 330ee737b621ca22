package io.strata.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Samples per workload and column, and the markdown tables made of them (times as ratios against overlayfs). */
final class Results {
    final List<String> columns;
    private final Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Double>>> serverCpu = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> errors = new LinkedHashMap<>();
    private final Map<String, List<Long>> rssAfterKib = new LinkedHashMap<>();
    private final Map<String, List<Long>> hwmAfterKib = new LinkedHashMap<>();
    private final Map<String, Long> peakHwmKib = new LinkedHashMap<>();

    Results(List<String> columns) {
        this.columns = columns;
    }

    void add(String workload, String column, double secs, double cpuSecs) {
        seconds.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new ArrayList<>()).add(secs);
        if (!Double.isNaN(cpuSecs))
            serverCpu.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new ArrayList<>()).add(cpuSecs);
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
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
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

    private String baseline() {
        return columns.contains("overlayfs") ? "overlayfs" : columns.get(0);
    }

    /** Ratio columns: every column against the baseline, Strata's first, fuse-overlayfs' last (as the issue asks). */
    private List<String> ratioColumns() {
        List<String> r = new ArrayList<>();
        for (String c : columns) if (!c.equals(baseline()) && !c.equals("fuse-overlayfs")) r.add(c);
        if (columns.contains("fuse-overlayfs") && !baseline().equals("fuse-overlayfs")) r.add("fuse-overlayfs");
        return r;
    }

    /** The main table: median (min) per column, then the ratios of medians (and of minimums). */
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
            Map<String, List<Double>> m = seconds.getOrDefault(w.id(), Map.of());
            Map<String, String> err = errors.getOrDefault(w.id(), Map.of());
            List<String> cells = new ArrayList<>(List.of(w.title() + " `" + w.id() + "`"));
            for (String c : columns) {
                List<Double> xs = m.get(c);
                String cell = xs == null || xs.isEmpty() ? "–" : time(median(xs)) + " (" + time(min(xs)) + ")";
                if (err.containsKey(c)) cell += " **FAILED**";
                cells.add(cell);
            }
            List<Double> base = m.get(baseline());
            for (String c : ratioColumns()) {
                List<Double> xs = m.get(c);
                if (xs == null || xs.isEmpty() || base == null || base.isEmpty()) cells.add("–");
                else cells.add(String.format(Locale.ROOT, "**%.2f** (%.2f)", median(xs) / median(base), min(xs) / min(base)));
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
                List<Double> xs = seconds.getOrDefault(w.id(), Map.of()).get(c);
                cells.add(xs == null || xs.isEmpty() ? "–" : time(median(xs)));
            }
            row(sb, cells);
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
}
