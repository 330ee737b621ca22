package io.strata.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A scaling run's series: medians per N, paired ratios at the same N, growth, the tables, the JSON, the line chart. */
class SeriesTest {
    private static final List<Series.Metric> METRICS = List.of(
            new Series.Metric("lookup", "lookup of 2000 names in the bottom layer"),
            new Series.Metric("readdir", "merged readdir <10k> & \"quoted\""));

    /**
     * Two rounds at N = 1, 8, 128: overlayfs costs 1 ms per layer, strata 5 ms per layer (but round 2 is twice as
     * slow for both: noise the pairing must cancel), fuse-overlayfs has no sample at 128 (it failed there).
     */
    private static Series series() {
        Series s = new Series("lower layers", List.of("overlayfs", "fuse-overlayfs", "strata"), List.of(1, 8, 128), METRICS);
        for (Series.Metric m : METRICS)
            for (int x : List.of(1, 8, 128))
                for (int round = 0; round < 2; round++) {
                    double noise = round == 0 ? 1 : 2;
                    s.add(m.id(), "overlayfs", x, round, 0.001 * x * noise, Double.NaN);
                    s.add(m.id(), "strata", x, round, 0.005 * x * noise, 0.004 * x);
                    if (x != 128) s.add(m.id(), "fuse-overlayfs", x, round, 0.003 * x * noise, 0.002 * x);
                }
        s.error("lookup", "fuse-overlayfs", 128, "IOException: too many layers");
        s.note("readdir on strata at 8, round 1: taken again");
        return s;
    }

    @Test
    void medianRatioAndGrowthPerColumn() {
        Series s = series();
        assertEquals(0.0015 * 8, s.median("lookup", "overlayfs", 8), 1e-12); // rounds 0.008 and 0.016
        Ratios.Ratio r = s.ratio("lookup", "strata", 128);
        assertEquals(5.0, r.median(), 1e-9);
        assertEquals(5.0, r.max(), 1e-9); // both rounds 5×: the noise of round 2 hit both sides
        assertEquals(2, r.pairs());
        assertNull(s.ratio("lookup", "fuse-overlayfs", 128));
        assertEquals(128.0, s.growth("lookup", "strata"), 1e-9);
        assertEquals(8.0, s.growth("lookup", "fuse-overlayfs"), 1e-9, "from the smallest to the largest N with samples");
        assertTrue(Double.isNaN(new Series("snapshots", List.of("strata-store"), List.of(1, 10), METRICS).growth("lookup", "strata-store")));
        assertEquals(List.of("fuse-overlayfs", "strata"), s.ratioColumns());
        assertEquals(List.of("lookup on fuse-overlayfs at 128 lower layers: IOException: too many layers"), s.errorLines());
    }

    @Test
    void aTablePerMetricWithARowPerNAndTheGrowth() {
        String md = series().tables();
        List<String> lines = md.lines().toList();
        assertEquals("#### lookup of 2000 names in the bottom layer `lookup`", lines.get(0));
        assertEquals("| lower layers | overlayfs | fuse-overlayfs | strata | fuse-overlayfs/overlayfs | strata/overlayfs "
                + "| fuse-overlayfs server CPU | strata server CPU |", lines.get(2));
        String n8 = lines.get(5);
        assertTrue(n8.startsWith("| 8 | 12 ms (8.00 ms–16 ms) | 36 ms (24 ms–48 ms) | 60 ms (40 ms–80 ms) | **3.00** (3.00–3.00) "
                + "| **5.00** (5.00–5.00) | 0.02 s | 0.03 s |"), n8);
        String n128 = lines.get(6);
        assertTrue(n128.contains("| – **FAILED** |"), n128);
        assertTrue(lines.get(7).startsWith("| × from 1 to 128 | ×128.0 | ×8.0 | ×128.0 |"), lines.get(7));
        assertTrue(md.contains("#### merged readdir <10k> & \"quoted\" `readdir`"), md);
    }

    @Test
    void jsonHoldsEverySampleRatioCpuErrorAndNote() throws Exception {
        JsonNode j = new ObjectMapper().readTree(series().json());
        assertEquals("lower layers", j.get("x").asText());
        assertEquals(3, j.get("xs").size());
        assertEquals("overlayfs", j.get("baseline").asText());
        JsonNode lookup = j.get("metrics").get(0);
        assertEquals("lookup", lookup.get("id").asText());
        assertEquals(0.128, lookup.at("/columns/overlayfs/points/128/rounds/1").asDouble(), 1e-12);
        assertEquals(0.256, lookup.at("/columns/overlayfs/points/128/rounds/2").asDouble(), 1e-12);
        assertEquals(5.0, lookup.at("/columns/strata/points/128/ratio/median").asDouble(), 1e-9);
        assertEquals(0.512, lookup.at("/columns/strata/points/128/serverCpuSeconds").asDouble(), 1e-9);
        assertFalse(lookup.at("/columns/overlayfs/points/8").has("ratio"), "no ratio of the baseline against itself");
        assertEquals(128.0, lookup.at("/columns/strata/growth").asDouble(), 1e-9);
        assertEquals("IOException: too many layers", lookup.at("/columns/fuse-overlayfs/points/128/error").asText());
        assertEquals("merged readdir <10k> & \"quoted\"", j.get("metrics").get(1).get("title").asText());
        assertEquals(1, j.get("notes").size());
    }

    @Test
    void jsonOfASeriesWithoutSamplesIsValid() throws Exception {
        JsonNode j = new ObjectMapper().readTree(new Series("snapshots", List.of("strata-store"), List.of(1, 10), METRICS).json());
        assertEquals(2, j.get("metrics").size());
        assertTrue(j.at("/metrics/0/columns/strata-store/growth").isNull());
    }

    private static List<Element> byClass(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (e.getAttribute("class").equals(cls)) out.add(e);
        }
        return out;
    }

    @Test
    void chartCutsAPanelTitleThatWouldNotFit() {
        String longTitle = "a title much longer than a panel of the chart is wide, so that it would run into the next one";
        Series s = new Series("snapshots", List.of("strata-store"), List.of(1, 10), List.of(new Series.Metric("m", longTitle)));
        s.add("m", "strata-store", 1, 0, 0.5, Double.NaN);
        String svg = LineChart.of(s, "t");
        assertFalse(svg.contains(">" + longTitle + "</text>"), "the whole title is not drawn");
        assertTrue(svg.contains(">" + longTitle.substring(0, 55) + "…</text>"), svg); // whole in the points' tooltips
    }

    @Test
    void chartHasALinePerMetricAndColumnRisingWithTheCost() throws Exception {
        String svg = LineChart.of(series(), "Cost vs lower layers");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getLocalName());
        List<Element> lines = byClass(d, "polyline", "line");
        assertEquals(METRICS.size() * 3, lines.size());
        List<Element> points = byClass(d, "circle", "point");
        assertEquals(METRICS.size() * (3 + 2 + 3), points.size(), "fuse-overlayfs has no point at 128");
        // x grows with N; a larger time is drawn higher (smaller y)
        double[] cx = new double[3], cy = new double[3];
        int k = 0;
        for (Element p : points)
            if (p.getAttribute("data-metric").equals("lookup") && p.getAttribute("data-column").equals("strata")) {
                cx[k] = Double.parseDouble(p.getAttribute("cx"));
                cy[k++] = Double.parseDouble(p.getAttribute("cy"));
            }
        assertEquals(3, k);
        assertTrue(cx[0] < cx[1] && cx[1] < cx[2], "x increasing");
        assertTrue(cy[0] > cy[1] && cy[1] > cy[2], "higher for larger times");
        // strata (5 ms per layer) above overlayfs (1 ms per layer) at the same N
        double overlayY = -1;
        for (Element p : points)
            if (p.getAttribute("data-metric").equals("lookup") && p.getAttribute("data-column").equals("overlayfs")
                    && p.getAttribute("data-x").equals("128")) overlayY = Double.parseDouble(p.getAttribute("cy"));
        assertTrue(cy[2] < overlayY, cy[2] + " vs " + overlayY);
    }
}
