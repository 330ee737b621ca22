package io.strata.testimages;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestImagesTest {
    @TempDir
    Path tmp;

    @Test
    void sameInputsGiveSameDigestsInEveryFormat() throws Exception {
        for (Compression c : Compression.values()) {
            Image a = TestImages.threeLayers().withCompression(c), b = TestImages.threeLayers().withCompression(c);
            assertEquals(a.manifestDigest(), b.manifestDigest(), c.name());
            Image ra = TestImages.rich().withCompression(c);
            Thread.sleep(1100); // a writer that stamped "now" anywhere would differ after a second
            Image rb = TestImages.rich().withCompression(c);
            assertEquals(ra.manifestDigest(), rb.manifestDigest(), c.name());
            for (ImageFormat f : ImageFormat.values()) {
                Path pa = tmp.resolve("a-" + c + "-" + f), pb = tmp.resolve("b-" + c + "-" + f);
                f.write(ra, pa);
                f.write(rb, pb);
                assertEquals(tree(pa), tree(pb), f + " " + c);
            }
        }
        // different compressions: same diff_ids, different blobs
        Image plain = TestImages.threeLayers().withCompression(Compression.PLAIN), zstd = plain.withCompression(Compression.ZSTD);
        assertEquals(plain.layers().stream().map(Layer::diffId).toList(), zstd.layers().stream().map(Layer::diffId).toList());
        assertNotEquals(plain.manifestDigest(), zstd.manifestDigest());
    }

    private static Map<String, String> tree(Path p) throws IOException {
        Map<String, String> m = new java.util.TreeMap<>();
        if (Files.isRegularFile(p)) {
            m.put("", Digests.sha256(Files.readAllBytes(p)));
            return m;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.filter(Files::isRegularFile).toList())
                m.put(p.relativize(f).toString(), Digests.sha256(Files.readAllBytes(f)));
        }
        return m;
    }

    @Test
    void layersReadBackWithCommonsCompress() throws Exception {
        Image three = TestImages.threeLayers();
        List<String> top = names(three.layers().get(2).tar());
        assertTrue(top.contains("etc/.wh.hostname"), top.toString());
        assertTrue(top.contains("var/cache/.wh..wh..opq"), top.toString());
        byte[] rich = TestImages.rich().layers().get(1).tar();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(rich))) {
            Set<String> seen = new HashSet<>();
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                seen.add(e.getName());
                if (e.getName().equals("data/xattrs"))
                    assertEquals("blue", e.getExtraPaxHeader("SCHILY.xattr.user.strata.color"));
                if (e.getName().equals("data/sparse.img")) {
                    assertTrue(e.isSparse());
                    assertEquals(TestImages.SPARSE_SIZE, e.getRealSize());
                }
            }
            assertTrue(seen.contains(TestImages.deepLeaf()), "deep leaf by its PAX path");
            assertTrue(seen.contains("data/sparse.img"), "sparse file under its real name: " + seen);
            assertTrue(seen.contains("run/fifo"));
        }
    }

    /** GNU tar, an independent reader, extracts the rich layer: sparse data in place, links, xattrs. */
    @Test
    void gnuTarExtractsTheRichLayer() throws Exception {
        Path layer = tmp.resolve("layer.tar"), out = Files.createDirectories(tmp.resolve("x"));
        Files.write(layer, TestImages.rich().layers().get(1).tar());
        Process p = new ProcessBuilder("tar", "--xattrs", "--xattrs-include=user.*", "-xf", layer.toString(), "-C", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        Path sparse = out.resolve("data/sparse.img");
        assertEquals(TestImages.SPARSE_SIZE, Files.size(sparse));
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "r")) {
            for (Map.Entry<Long, byte[]> seg : TestImages.sparseSegments().entrySet()) {
                byte[] b = new byte[seg.getValue().length];
                f.seek(seg.getKey());
                f.readFully(b);
                assertArrayEquals(seg.getValue(), b, "segment at " + seg.getKey());
            }
            byte[] hole = new byte[4096];
            f.seek(TestImages.SPARSE_SIZE / 4);
            f.readFully(hole);
            assertArrayEquals(new byte[4096], hole);
        }
        assertEquals(Files.getAttribute(out.resolve("data/original"), "unix:ino"), Files.getAttribute(out.resolve("data/sub/link2"), "unix:ino"));
        assertEquals("original", Files.readSymbolicLink(out.resolve("data/rel")).toString());
        assertEquals("bottom of the tree\n", Files.readString(out.resolve(TestImages.deepLeaf())));
        assertEquals(Integer.valueOf(04755 | 0100000), Files.getAttribute(out.resolve("data/setuid"), "unix:mode"));
    }

    @Test
    void everyFormatHoldsWhatItShould() throws Exception {
        Image img = TestImages.threeLayers().withCompression(Compression.ZSTD);
        Path layout = tmp.resolve("layout");
        ImageFormat.OCI_LAYOUT.write(img, layout);
        assertTrue(Files.isRegularFile(layout.resolve("oci-layout")));
        assertTrue(Files.readString(layout.resolve("index.json")).contains(img.manifestDigest()));
        for (Layer l : img.layers())
            assertArrayEquals(l.blob(), Files.readAllBytes(layout.resolve("blobs/sha256/" + Digests.hex(l.digest()))));
        Path oci = tmp.resolve("i.oci.tar"), docker = tmp.resolve("i.docker.tar");
        ImageFormat.OCI_ARCHIVE.write(img, oci);
        ImageFormat.DOCKER_ARCHIVE.write(img, docker);
        assertTrue(names(Files.readAllBytes(oci)).contains("index.json"));
        List<String> d = names(Files.readAllBytes(docker));
        assertTrue(d.contains("manifest.json"), d.toString());
        assertTrue(d.contains(Digests.hex(img.configDigest()) + ".json"), d.toString());
        assertEquals(3, d.stream().filter(n -> n.endsWith("/layer.tar")).count(), d.toString());
    }

    @Test
    void hostileCorpusIsComplete() {
        List<String> ids = new ArrayList<>();
        for (HostileImages.Case c : HostileImages.all()) ids.add(c.id());
        for (String want : List.of("dotdot", "absolute", "symlink-escape-write", "hardlink-outside", "duplicate",
                "truncated", "bad-gzip", "bad-zstd", "digest-mismatch", "missing-blob", "not-a-tar", "device-node"))
            assertTrue(ids.contains(want), want);
    }

    private static List<String> names(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) out.add(e.getName());
        }
        return out;
    }
}
