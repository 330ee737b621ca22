package io.strata.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A scaling run's chart: one panel per metric, the median time against N on log–log axes, one line per column
 * (a straight line of slope 1 = cost linear in N). Plain SVG, written by hand, in {@link RatioChart}'s style.
 */
final class LineChart {
    private static final int PANEL_W = 430, PANEL_H = 250, PER_ROW = 2, TOP = 56, MARGIN_L = 62, MARGIN_R = 16,
            MARGIN_T = 26, MARGIN_B = 34, TITLE_MAX = 56;

    private LineChart() {
    }

    static String of(Series s, String title) {
        List<Series.Metric> ms = s.metrics;
        int rows = (ms.size() + PER_ROW - 1) / PER_ROW;
        int width = PER_ROW * PANEL_W, height = TOP + rows * PANEL_H + 10;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(RatioChart.text(8, 16, "start", "bold", title));
        sb.append(RatioChart.text(8, 30, "start", "normal", "median time against the number of " + s.xLabel
                + " (log–log; slope 1 = linear in N)"));
        for (int i = 0; i < s.columns.size(); i++) { // legend
            int lx = 8 + i * 150;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"38\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx, RatioChart.color(i)));
            sb.append(RatioChart.text(lx + 14, 47, "start", "normal", s.columns.get(i)));
        }
        for (int k = 0; k < ms.size(); k++)
            panel(sb, s, ms.get(k), (k % PER_ROW) * PANEL_W, TOP + (k / PER_ROW) * PANEL_H);
        return sb.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder sb, Series s, Series.Metric m, int ox, int oy) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (String c : s.columns)
            for (int x : s.xs) {
                double v = s.median(m.id(), c, x);
                if (v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        int px0 = ox + MARGIN_L, px1 = ox + PANEL_W - MARGIN_R, py0 = oy + MARGIN_T, py1 = oy + PANEL_H - MARGIN_B;
        String title = m.title().length() > TITLE_MAX ? m.title().substring(0, TITLE_MAX - 1) + "…" : m.title();
        sb.append(RatioChart.text(ox + MARGIN_L, oy + 16, "start", "bold", title));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                px0, py0, px1 - px0, py1 - py0));
        if (hi == 0) {
            sb.append(RatioChart.text((px0 + px1) / 2.0, (py0 + py1) / 2.0, "middle", "normal", "no samples"));
            return;
        }
        double yLo = Math.floor(Math.log10(lo)), yHi = Math.ceil(Math.log10(hi));
        if (yHi - yLo < 1) yHi = yLo + 1;
        double xLo = Math.log10(s.xs.get(0)), xHi = Math.log10(s.xs.get(s.xs.size() - 1));
        if (xHi - xLo <= 0) {
            xLo -= 0.5;
            xHi += 0.5;
        }
        double fyLo = yLo, fyHi = yHi, fxLo = xLo, fxHi = xHi;
        java.util.function.DoubleUnaryOperator px = n -> px0 + (Math.log10(n) - fxLo) / (fxHi - fxLo) * (px1 - px0);
        java.util.function.DoubleUnaryOperator py = v -> py1 - (Math.log10(v) - fyLo) / (fyHi - fyLo) * (py1 - py0);
        for (double e = yLo; e <= yHi; e++) { // decades of seconds
            double gy = py.applyAsDouble(Math.pow(10, e));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", px0, gy, px1, gy));
            sb.append(RatioChart.text(px0 - 4, gy + 4, "end", "normal", Results.time(Math.pow(10, e))));
        }
        for (int x : s.xs) {
            double gx = px.applyAsDouble(x);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>\n", gx, py0, gx, py1));
            sb.append(RatioChart.text(gx, py1 + 14, "middle", "normal", Integer.toString(x)));
        }
        sb.append(RatioChart.text((px0 + px1) / 2.0, py1 + 28, "middle", "normal", s.xLabel));
        for (int i = 0; i < s.columns.size(); i++) {
            String c = s.columns.get(i);
            List<String> pts = new ArrayList<>();
            StringBuilder dots = new StringBuilder();
            for (int x : s.xs) {
                double v = s.median(m.id(), c, x);
                if (!(v > 0)) continue;
                double gx = px.applyAsDouble(x), gy = py.applyAsDouble(v);
                pts.add(String.format(Locale.ROOT, "%.1f,%.1f", gx, gy));
                dots.append(String.format(Locale.ROOT, "<circle class=\"point\" data-metric=\"%s\" data-column=\"%s\" "
                                + "data-x=\"%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s, %s, %d: %s</title></circle>\n",
                        RatioChart.esc(m.id()), RatioChart.esc(c), x, gx, gy, RatioChart.color(i), RatioChart.esc(m.title()),
                        RatioChart.esc(c), x, Results.time(v)));
            }
            if (pts.isEmpty()) continue;
            sb.append(String.format(Locale.ROOT, "<polyline class=\"line\" data-metric=\"%s\" data-column=\"%s\" points=\"%s\" "
                    + "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", RatioChart.esc(m.id()), RatioChart.esc(c),
                    String.join(" ", pts), RatioChart.color(i)));
            sb.append(dots);
        }
    }
}
