package io.strata.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's chart: per metric one horizontal bar per compared column, the time ratio against the baseline on a
 * log scale around 1 (a bar to the right is slower than the baseline, to the left faster). Plain SVG, written by hand.
 */
final class RatioChart {
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#9c755f"};
    private static final int LABEL_W = 340, PLOT_W = 520, RIGHT_W = 70, TOP = 56, BAR_H = 12, GAP = 10;

    private RatioChart() {
    }

    /**
     * ratios: metric label → (column → ratio), in the order to draw; a missing or non-positive ratio draws no bar.
     * columns: the compared columns, in legend order.
     */
    static String svg(String title, String baseline, List<String> columns, Map<String, Map<String, Double>> ratios) {
        double lo = 1, hi = 1;
        for (Map<String, Double> m : ratios.values())
            for (Double r : m.values())
                if (drawable(r)) {
                    lo = Math.min(lo, r);
                    hi = Math.max(hi, r);
                }
        // a decade boundary, with room left of the shortest "faster" bar for its value
        double logLo = Math.floor(Math.log10(lo) - (lo < 1 ? 0.4 : 0)), logHi = Math.ceil(Math.log10(hi));
        if (logHi - logLo < 1) logHi = logLo + 1;
        double fLo = logLo, fHi = logHi;
        java.util.function.DoubleUnaryOperator x = v -> LABEL_W + (Math.log10(v) - fLo) / (fHi - fLo) * PLOT_W;

        int groupH = Math.max(1, columns.size()) * BAR_H + GAP;
        int height = TOP + ratios.size() * groupH + 30;
        int width = LABEL_W + PLOT_W + RIGHT_W;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(text(8, 16, "start", "bold", title));
        sb.append(text(8, 30, "start", "normal", "time ratio against " + baseline + " (log scale; < 1 faster, > 1 slower)"));
        for (int i = 0; i < columns.size(); i++) { // legend
            int lx = LABEL_W + i * 120;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"38\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx, color(i)));
            sb.append(text(lx + 14, 47, "start", "normal", columns.get(i)));
        }
        int plotBottom = TOP + ratios.size() * groupH;
        for (double e = logLo; e <= logHi; e++) { // grid and ticks at powers of ten
            double v = Math.pow(10, e);
            double gx = x.applyAsDouble(v);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
                    gx, TOP - 4, gx, plotBottom, v == 1 ? "black" : "#ddd"));
            sb.append(text(gx, plotBottom + 14, "middle", "normal", tick(v)));
        }
        int row = 0;
        for (Map.Entry<String, Map<String, Double>> m : ratios.entrySet()) {
            int gy = TOP + row++ * groupH;
            sb.append(text(LABEL_W - 6, gy + groupH / 2.0, "end", "normal", m.getKey()));
            for (int i = 0; i < columns.size(); i++) {
                Double r = m.getValue().get(columns.get(i));
                if (!drawable(r)) continue;
                double x0 = x.applyAsDouble(1), x1 = x.applyAsDouble(r);
                double bx = Math.min(x0, x1), bw = Math.max(1, Math.abs(x1 - x0));
                int by = gy + i * BAR_H;
                sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-metric=\"%s\" data-column=\"%s\" x=\"%.1f\" "
                                + "y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s, %s: %s</title></rect>\n",
                        esc(m.getKey()), esc(columns.get(i)), bx, by, bw, BAR_H - 2, color(i),
                        esc(m.getKey()), esc(columns.get(i)), ratio(r)));
                double tx = r >= 1 ? x1 + 3 : x1 - 3;
                sb.append(text(tx, by + BAR_H - 3, r >= 1 ? "start" : "end", "normal", ratio(r)));
            }
        }
        return sb.append("</svg>\n").toString();
    }

    /** The chart of a run's results: one row per workload that has a ratio, one bar per compared column. */
    static String of(Results results, List<Workloads.Workload> workloads) {
        Map<String, Map<String, Double>> ratios = new LinkedHashMap<>();
        List<String> columns = new ArrayList<>(results.ratioColumns());
        for (Workloads.Workload w : workloads) {
            Map<String, Double> byColumn = new LinkedHashMap<>();
            for (String c : columns) {
                Ratios.Ratio r = results.ratio(w.id(), c);
                if (r != null) byColumn.put(c, r.median());
            }
            if (!byColumn.isEmpty()) ratios.put(w.title(), byColumn);
        }
        return svg("Side by side: " + String.join(", ", results.columns), results.baseline(), columns, ratios);
    }

    private static boolean drawable(Double r) {
        return r != null && r > 0 && !r.isInfinite() && !r.isNaN();
    }

    static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    private static String tick(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
    }

    private static String ratio(double r) {
        return r >= 10 ? String.format(Locale.ROOT, "%.0f", r) : String.format(Locale.ROOT, "%.2f", r);
    }

    static String text(double x, double y, String anchor, String weight, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"%s\">%s</text>\n",
                x, y, anchor, weight, esc(s));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
