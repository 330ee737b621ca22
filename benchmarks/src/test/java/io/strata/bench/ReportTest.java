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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report made of a run's samples: the markdown table, the JSON and the SVG chart of the ratios. */
class ReportTest {
    static Workloads.Workload workload(String id, String title) {
        return new Workloads.Workload(id, title, "≤ 1.5", 1, (u, r) -> {
        }, (u, r) -> 0);
    }

    private static final List<Workloads.Workload> WORKLOADS = List.of(
            workload("seq-read-cold", "seq read 1 GiB, cold"),
            workload("walk-warm", "find + lstat <50k> & \"quoted\""),
            workload("untar", "untar 20k small files"),
            workload("copy-up", "copy-up: 1 byte into 1 GiB"));

    /** Two rounds of four workloads on three columns; fuse-overlayfs failed untar in round 2. */
    private static Results results() {
        Results r = new Results(List.of("overlayfs", "fuse-overlayfs", "strata"));
        double[][] base = {{1.0, 1.2}, {0.02, 0.03}, {0.1, 0.12}, {0.5, 0.7}};
        double[] strataFactor = {1.3, 0.8, 8.5, 0.01};
        double[] fuseFactor = {0.7, 1.0, 5.0, 0.9};
        for (int w = 0; w < WORKLOADS.size(); w++) {
            for (int round = 0; round < 2; round++) {
                String id = WORKLOADS.get(w).id();
                r.add(id, "overlayfs", round, base[w][round], Double.NaN);
                r.add(id, "strata", round, base[w][round] * strataFactor[w], 0.05);
                if (!(id.equals("untar") && round == 1)) r.add(id, "fuse-overlayfs", round, base[w][round] * fuseFactor[w], 0.04);
            }
        }
        r.error("untar", "fuse-overlayfs", "IOException: tar exited 2");
        r.rerun("walk-warm", "strata", 0, "another process dropped the caches");
        r.disturbed("untar", "strata", 1, "another process dropped the caches");
        r.memoryAfterWorkloads("strata", 170 * 1024, 180 * 1024);
        r.peakHwm("strata", 190 * 1024);
        return r;
    }

    @Test
    void markdownTableHasARowPerWorkloadAndPairedRatiosStrataFirst() {
        String table = results().timeTable(WORKLOADS);
        List<String> lines = table.lines().toList();
        assertEquals("| workload | overlayfs | fuse-overlayfs | strata | strata/overlayfs | fuse-overlayfs/overlayfs | target (strata/overlayfs) |",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("| --- | ---: |"));
        assertEquals(2 + WORKLOADS.size() + 2, lines.size(), table); // head, separator, workloads, 2 memory rows
        String seq = lines.get(2);
        assertTrue(seq.startsWith("| seq read 1 GiB, cold `seq-read-cold` | 1.10 s (1.00 s) |"), seq);
        assertTrue(seq.contains("| **1.30** (1.30–1.30) | **0.70** (0.70–0.70) | ≤ 1.5 |"), seq);
        String untar = lines.get(4);
        assertTrue(untar.contains("**FAILED**"), untar);
        assertTrue(untar.contains("| **5.00** |"), untar + ": one pair left for fuse-overlayfs");
        assertTrue(lines.get(5).contains("**0.01**"), lines.get(5));
        assertTrue(lines.get(6).startsWith("| server VmRSS after all workloads"), lines.get(6));
        assertTrue(lines.get(6).contains("170 MiB"), lines.get(6));
    }

    @Test
    void jsonHoldsEverySampleRatioErrorAndNoiseNote() throws Exception {
        JsonNode j = new ObjectMapper().readTree(results().json(WORKLOADS));
        assertEquals("overlayfs", j.get("baseline").asText());
        assertEquals(3, j.get("columns").size());
        JsonNode ws = j.get("workloads");
        assertEquals(WORKLOADS.size(), ws.size());
        JsonNode seq = ws.get(0);
        assertEquals("seq-read-cold", seq.get("id").asText());
        assertEquals(1.0, seq.at("/seconds/overlayfs/rounds/1").asDouble(), 1e-12);
        assertEquals(1.2, seq.at("/seconds/overlayfs/rounds/2").asDouble(), 1e-12);
        assertEquals(1.1, seq.at("/seconds/overlayfs/median").asDouble(), 1e-12);
        assertEquals(1.3, seq.at("/ratios/strata/median").asDouble(), 1e-9);
        assertEquals(2, seq.at("/ratios/strata/pairs").asInt());
        assertFalse(seq.get("ratios").has("overlayfs"), "no ratio of the baseline against itself");
        assertEquals(0.05, seq.at("/serverCpuSeconds/strata/median").asDouble(), 1e-12);
        assertEquals(2, seq.at("/serverCpuSeconds/strata/samples").asInt());
        assertFalse(seq.get("serverCpuSeconds").has("overlayfs"), "a kernel mount has no server");
        JsonNode untar = ws.get(2);
        assertEquals(1, untar.at("/ratios/fuse-overlayfs/pairs").asInt());
        assertEquals("IOException: tar exited 2", untar.at("/errors/fuse-overlayfs").asText());
        assertEquals("find + lstat <50k> & \"quoted\"", ws.get(1).get("title").asText());
        assertEquals(1, j.get("reruns").size());
        assertTrue(j.get("reruns").get(0).asText().startsWith("walk-warm on strata, round 1"));
        assertEquals(1, j.get("disturbed").size());
        assertEquals(190 * 1024, j.at("/serverMemory/strata/peakHwmKib").asLong());
    }

    @Test
    void cpuTableHasTheServersMedianCpuSecondsPerWorkload() {
        List<String> lines = results().cpuTable(WORKLOADS).lines().toList();
        assertEquals("| workload | fuse-overlayfs server CPU | strata server CPU | fuse-overlayfs wall | strata wall |", lines.get(0));
        assertEquals(2 + WORKLOADS.size(), lines.size());
        assertTrue(lines.get(2).startsWith("| `seq-read-cold` | 0.04 s | 0.05 s |"), lines.get(2));
    }

    @Test
    void jsonOfAnEmptyRunIsValid() throws Exception {
        JsonNode j = new ObjectMapper().readTree(new Results(List.of("overlayfs")).json(List.of()));
        assertEquals(0, j.get("workloads").size());
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> bars(Document d) {
        List<Element> out = new ArrayList<>();
        NodeList rects = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element e = (Element) rects.item(i);
            if (e.getAttribute("class").equals("bar")) out.add(e);
        }
        return out;
    }

    @Test
    void chartIsWellFormedSvgWithOneBarPerMetricAndColumn() throws Exception {
        Document d = parse(RatioChart.of(results(), WORKLOADS));
        assertEquals("svg", d.getDocumentElement().getLocalName());
        List<Element> bars = bars(d);
        // 4 metrics × 2 compared columns (strata, fuse-overlayfs), the baseline has none
        assertEquals(WORKLOADS.size() * 2, bars.size());
        Set<String> seen = new HashSet<>();
        for (Element b : bars) {
            assertTrue(seen.add(b.getAttribute("data-metric") + "|" + b.getAttribute("data-column")), "one bar per pair");
            assertTrue(Double.parseDouble(b.getAttribute("width")) >= 1);
        }
        assertTrue(seen.contains("find + lstat <50k> & \"quoted\"|strata"), seen.toString());
    }

    @Test
    void chartOfOneComparedColumnHasOneBarPerMetric() throws Exception {
        Results r = new Results(List.of("overlayfs", "strata"));
        for (int w = 0; w < WORKLOADS.size(); w++) {
            r.add(WORKLOADS.get(w).id(), "overlayfs", 0, 1.0, Double.NaN);
            r.add(WORKLOADS.get(w).id(), "strata", 0, 0.5 + w, Double.NaN);
        }
        r.add("not-in-the-list", "strata", 0, 1.0, Double.NaN);
        List<Element> bars = bars(parse(RatioChart.of(r, WORKLOADS)));
        assertEquals(WORKLOADS.size(), bars.size());
        List<String> metrics = bars.stream().map(b -> b.getAttribute("data-metric")).toList();
        assertEquals(WORKLOADS.stream().map(Workloads.Workload::title).toList(), metrics);
    }

    @Test
    void barsGoRightWhenSlowerAndLeftWhenFaster() throws Exception {
        Map<String, Map<String, Double>> ratios = new LinkedHashMap<>();
        ratios.put("slower", Map.of("strata", 4.0));
        ratios.put("faster", Map.of("strata", 0.25));
        ratios.put("no data", Map.of());
        List<Element> bars = bars(parse(RatioChart.svg("t", "overlayfs", List.of("strata"), ratios)));
        assertEquals(2, bars.size());
        double slowX = Double.parseDouble(bars.get(0).getAttribute("x"));
        double fastX = Double.parseDouble(bars.get(1).getAttribute("x"));
        double fastW = Double.parseDouble(bars.get(1).getAttribute("width"));
        assertEquals(slowX, fastX + fastW, 0.11, "both bars start or end at the line of 1");
        assertEquals(Double.parseDouble(bars.get(0).getAttribute("width")), fastW, 0.11, "4× and ¼ are as long on a log scale");
    }

    @Test
    void reportFilesSitBesideTheMarkdown() {
        Path md = Path.of("benchmarks/results-latest.md");
        assertEquals(Path.of("benchmarks/results-latest.json"), SideBySide.sibling(md, ".json"));
        assertEquals(Path.of("benchmarks/results-latest-ratios.svg"), SideBySide.sibling(md, "-ratios.svg"));
    }
}
