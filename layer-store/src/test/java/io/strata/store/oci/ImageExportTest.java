package io.strata.store.oci;

import io.strata.testimages.Image;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import io.strata.testimages.oracle.KernelOverlay;
import io.strata.testimages.oracle.OciOracle;
import io.strata.testimages.oracle.TreeScan;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Export: import → export → import → export gives the same bytes; every format of an export imports as the same image;
 * what export writes keeps the image's tree (kernel overlay of the re-imported layers vs the oracle); skopeo and umoci
 * (Debian packages) read it back: skopeo copies it with digests verified and unchanged, umoci unpacks the same tree.
 */
class ImageExportTest {
    @TempDir
    Path base;

    static Image image(String which) {
        return which.equals("three") ? TestImages.threeLayers() : TestImages.rich();
    }

    @ParameterizedTest
    @ValueSource(strings = {"three", "rich"})
    void roundTripReachesAFixedPointAndKeepsTheTree(String which) throws Exception {
        Image original = image(which);
        ImageStore store = new ImageStore(base.resolve("store"));
        ImageFormat.OCI_LAYOUT.write(original, base.resolve("orig"));
        ImageRecord first = ImageImporter.run(store, base.resolve("orig"), null, false, ImageImporter.Progress.NONE);

        ImageExporter.Exported e1 = ImageExporter.export(store, first.id(), base.resolve("e1"), ImageExporter.Format.OCI,
                ImageExporter.LayerCompression.KEEP);
        assertEquals(first.manifestDigest(), e1.manifestDigest(), "the first export hands out the imported manifest");
        assertEquals(files(base.resolve("orig/blobs")), files(base.resolve("e1/blobs")), "... and the very same blobs");
        ImageRecord second = ImageImporter.run(store, base.resolve("e1"), null, false, ImageImporter.Progress.NONE);
        assertEquals(e1.configDigest(), second.configDigest());
        assertEquals(e1.manifestDigest(), second.manifestDigest());
        assertEquals(original.reference(), second.names().get(0), "the name travels in the index annotations");
        ImageExporter.Exported e2 = ImageExporter.export(store, second.id(), base.resolve("e2"), ImageExporter.Format.OCI,
                ImageExporter.LayerCompression.GZIP);
        assertEquals(files(base.resolve("e1")), files(base.resolve("e2")), "export of the re-import: the same bytes");
        assertEquals(e1.manifestDigest(), e2.manifestDigest());

        Path mnt = Files.createDirectories(base.resolve("mnt"));
        try (KernelOverlay k = KernelOverlay.mount(store.lowerDirsTopFirst(second), mnt)) {
            ImageImportTest.assertTreesEqual(OciOracle.merged(original), TreeScan.scan(mnt), "re-imported export");
        }

        // every format of the same export is the same image
        ImageExporter.export(store, second.id(), base.resolve("e.docker.tar"), ImageExporter.Format.DOCKER, ImageExporter.LayerCompression.GZIP);
        ImageExporter.export(store, second.id(), base.resolve("e.oci.tar"), ImageExporter.Format.OCI, ImageExporter.LayerCompression.ZSTD);
        ImageStore other = new ImageStore(base.resolve("other"));
        for (String f : List.of("e.docker.tar", "e.oci.tar")) {
            ImageRecord r = ImageImporter.run(other, base.resolve(f), null, false, ImageImporter.Progress.NONE);
            assertEquals(second.id(), r.id(), f + ": same diff_ids, same config, same id");
        }
        assertEquals(first.id(), second.id(), "import → export → import keeps the image id");
        // a store without the imported blobs (a layer made by commit) re-tars: a new id, then a fixed point
        for (var l : second.layers())
            Files.delete(store.layerBlob(Digest.parse(l.diffId(), "layer").hex()));
        ImageExporter.Exported r1 = ImageExporter.export(store, second.id(), base.resolve("r1"), ImageExporter.Format.OCI,
                ImageExporter.LayerCompression.KEEP);
        ImageRecord retarred = ImageImporter.run(store, base.resolve("r1"), null, false, ImageImporter.Progress.NONE);
        assertNotEquals(first.id(), retarred.id(), "(the re-tar: new diff_ids, a new config)");
        ImageExporter.Exported r2 = ImageExporter.export(store, retarred.id(), base.resolve("r2"), ImageExporter.Format.OCI,
                ImageExporter.LayerCompression.GZIP);
        assertEquals(r1.manifestDigest(), r2.manifestDigest(), "deterministic tars: a fixed point after one round");
    }

    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                m.put(dir.relativize(p).toString(), Digest.of(Files.readAllBytes(p)).toString());
        }
        return m;
    }

    static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    static boolean has(String tool) {
        return Stream.of("/usr/bin/", "/usr/local/bin/", "/bin/").anyMatch(d -> Files.isExecutable(Path.of(d + tool)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"three", "rich"})
    void skopeoAndUmociReadTheExport(String which) throws Exception {
        Assumptions.assumeTrue(has("skopeo") && has("umoci"), "skopeo and umoci (scripts/deps.sh installs them for tests)");
        Image original = image(which);
        ImageStore store = new ImageStore(base.resolve("store"));
        ImageFormat.OCI_LAYOUT.write(original, base.resolve("orig"));
        ImageRecord r = ImageImporter.run(store, base.resolve("orig"), null, false, ImageImporter.Progress.NONE);
        ImageExporter.Exported e = ImageExporter.export(store, r.id(), base.resolve("e"), ImageExporter.Format.OCI,
                ImageExporter.LayerCompression.ZSTD);
        String tag = original.tag();
        String raw = run(base, "skopeo", "inspect", "--raw", "oci:e:" + tag);
        assertEquals(e.manifestDigest(), Digest.of(raw.getBytes(StandardCharsets.UTF_8)).toString(), "skopeo sees our manifest");
        run(base, "skopeo", "copy", "--quiet", "oci:e:" + tag, "oci:copy:" + tag);
        Map<String, String> ours = files(base.resolve("e").resolve("blobs")), theirs = files(base.resolve("copy").resolve("blobs"));
        assertEquals(ours, theirs, "skopeo copied every blob unchanged (it verifies digests as it copies)");

        ImageExporter.export(store, r.id(), base.resolve("d.tar"), ImageExporter.Format.DOCKER, ImageExporter.LayerCompression.GZIP);
        run(base, "skopeo", "copy", "--quiet", "docker-archive:d.tar", "oci:fromdocker:x");
        String fromDocker = run(base, "skopeo", "inspect", "--config", "--raw", "oci:fromdocker:x");
        assertEquals(e.configDigest(), Digest.of(fromDocker.getBytes(StandardCharsets.UTF_8)).toString(),
                "skopeo reads our docker archive: the same config");

        // umoci 0.4 reads gzip and plain layers, not zstd
        ImageExporter.export(store, r.id(), base.resolve("g"), ImageExporter.Format.OCI, ImageExporter.LayerCompression.GZIP);
        run(base, "umoci", "unpack", "--image", "g:" + tag, "bundle");
        Map<String, io.strata.testimages.oracle.Node> tree = TreeScan.scan(base.resolve("bundle/rootfs"));
        ImageImportTest.assertTreesEqual(OciOracle.merged(original), tree, "umoci unpack of our export");
    }
}
