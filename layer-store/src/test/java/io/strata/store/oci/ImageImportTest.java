package io.strata.store.oci;

import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.testimages.oracle.KernelOverlay;
import io.strata.testimages.oracle.Node;
import io.strata.testimages.oracle.OciOracle;
import io.strata.testimages.oracle.TreeScan;
import io.strata.testimages.Compression;
import io.strata.testimages.Image;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.Layer;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every test image in every format and compression: imported, then the layer directories mounted with the kernel's
 * overlayfs and compared with the tree the OCI rules give from the tars themselves.
 */
class ImageImportTest {
    @TempDir
    Path base;

    private static final Map<String, Map<String, Node>> ORACLES = new HashMap<>();

    private static synchronized Map<String, Node> oracle(Image image) throws Exception {
        Map<String, Node> m = ORACLES.get(image.reference());
        if (m == null) ORACLES.put(image.reference(), m = OciOracle.merged(image));
        return m;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyImageInEveryFormatMatchesTheOracle(Compression c) throws Exception {
        ImageStore store = new ImageStore(base.resolve("store"));
        for (Image plain : TestImages.all()) {
            Image image = plain.withCompression(c);
            ImageRecord first = null;
            Map<String, Long> layerInodes = null;
            for (ImageFormat f : ImageFormat.values()) {
                Path src = base.resolve(f.fileName(image.repository().replace('/', '_') + "-" + c));
                f.write(image, src);
                ImageRecord r = ImageImporter.run(store, src, null, false, ImageImporter.Progress.NONE);
                assertEquals(image.configDigest(), r.configDigest(), f + ": image id is the config digest");
                assertEquals(List.of(image.reference()), r.names(), f + ": name from the image");
                assertEquals(image.layers().stream().map(Layer::diffId).toList(),
                        r.layers().stream().map(ImageRecord.LayerRef::diffId).toList());
                if (f != ImageFormat.DOCKER_ARCHIVE) {
                    assertEquals(image.manifestDigest(), r.manifestDigest());
                    assertEquals(image.layers().stream().map(Layer::digest).toList(),
                            r.layers().stream().map(ImageRecord.LayerRef::digest).toList());
                }
                assertArrayEquals(image.config(), store.config(r));
                Map<String, Long> inodes = new HashMap<>();
                for (Path d : store.lowerDirsTopFirst(r)) inodes.put(d.toString(), (Long) Files.getAttribute(d, "unix:ino"));
                if (first == null) {
                    first = r;
                    layerInodes = inodes;
                } else {
                    assertEquals(first.id(), r.id(), "the same image whatever the format");
                    assertEquals(layerInodes, inodes, "each layer is extracted once, then shared");
                }
                Path mnt = Files.createDirectories(base.resolve("mnt-" + f));
                try (KernelOverlay k = KernelOverlay.mount(store.lowerDirsTopFirst(r), mnt)) {
                    assertTreesEqual(oracle(plain), TreeScan.scan(mnt), image.reference() + " " + f + " " + c);
                }
            }
        }
        assertEquals(2, store.list().size());
        assertTrue(isEmptyDir(store.tmp()), "nothing left in tmp/");
    }

    static void assertTreesEqual(Map<String, Node> expected, Map<String, Node> actual, String what) {
        for (String k : expected.keySet()) assertEquals(expected.get(k), actual.get(k), what + ": " + k);
        for (String k : actual.keySet()) assertTrue(expected.containsKey(k), what + ": unexpected " + k);
    }

    static boolean isEmptyDir(Path p) throws Exception {
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void layersAreInKernelOverlayFormat() throws Exception {
        ImageStore store = new ImageStore(base.resolve("store"));
        Path src = base.resolve("three");
        ImageFormat.OCI_LAYOUT.write(TestImages.threeLayers(), src);
        ImageRecord r = ImageImporter.run(store, src, "local/three:v1", false, ImageImporter.Progress.NONE);
        assertEquals(List.of("local/three:v1"), r.names(), "--name wins over the image's own");
        Path top = store.lowerDirsTopFirst(r).get(0);
        Stat wh = Host.lstat(top.resolve("etc/hostname").toString());
        assertTrue(wh.isCharDevice() && wh.rdev() == 0, "a .wh. whiteout becomes a 0/0 char device");
        assertTrue(Files.isDirectory(top.resolve("opt/app")) && Host.lstat(top.resolve("opt/app/config").toString()).isCharDevice());
        assertArrayEquals(OverlayXattrs.YES, Host.getxattr(top.resolve("var/cache").toString(), OverlayXattrs.OPAQUE));
        assertNull(Host.getxattr(top.resolve("var/log").toString(), OverlayXattrs.OPAQUE));
        assertTrue(Files.exists(top.resolve("var/cache/new.db")), "an opaque dir keeps its own layer's entries");
        try (var s = Files.walk(top)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "no OCI markers left in the layer");
        }
    }

    @Test
    void richImageKeepsLinksSparsenessAndMetadata() throws Exception {
        ImageStore store = new ImageStore(base.resolve("store"));
        Path src = base.resolve("rich.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(TestImages.rich().withCompression(Compression.ZSTD), src);
        ImageRecord r = ImageImporter.run(store, src, null, false, ImageImporter.Progress.NONE);
        Path layer = store.lowerDirsTopFirst(r).get(0);
        Object ino = Files.getAttribute(layer.resolve("data/original"), "unix:ino");
        assertEquals(ino, Files.getAttribute(layer.resolve("data/hardlink"), "unix:ino"));
        assertEquals(ino, Files.getAttribute(layer.resolve("data/sub/link2"), "unix:ino"));
        Path sparse = layer.resolve("data/sparse.img");
        assertEquals(TestImages.SPARSE_SIZE, Files.size(sparse));
        Stat st = Host.lstat(sparse.toString());
        assertTrue(st.blocks() * 512 < (1 << 20), "the 1 GiB file stays sparse: " + st.blocks() + " blocks");
        assertEquals(04755, Host.lstat(layer.resolve("data/setuid").toString()).perms(), "setuid kept (set after chown)");
        Stat owned = Host.lstat(layer.resolve("data/owned").toString());
        assertEquals(1000, owned.uid());
        assertEquals(0600, owned.perms());
        assertTrue(Host.lstat(layer.resolve("run/fifo").toString()).type() == Stat.S_IFIFO);
        assertEquals("blue", new String(Host.getxattr(layer.resolve("data/xattrs").toString(), "user.strata.color")));
        assertEquals(0700, Host.lstat(layer.resolve("data/private").toString()).perms());
        assertEquals(io.strata.testimages.TarBuilder.MTIME, Host.lstat(layer.resolve("data").toString()).mtimeSec(),
                "directory times set after their children");
        assertNotNull(Files.readString(layer.resolve(TestImages.deepLeaf())));
    }

    @Test
    void reimportMovesTheNameAndRemoveFreesOnlyUnusedLayers() throws Exception {
        ImageStore store = new ImageStore(base.resolve("store"));
        Image three = TestImages.threeLayers();
        Image derived = new Image("x/derived:1", three.layers().subList(0, 2), three.history().subList(0, 2));
        Path threeSrc = base.resolve("three"), derivedSrc = base.resolve("derived.oci.tar"), rich = base.resolve("rich");
        ImageFormat.OCI_LAYOUT.write(three, threeSrc);
        ImageFormat.OCI_ARCHIVE.write(derived, derivedSrc);
        ImageFormat.OCI_LAYOUT.write(TestImages.rich(), rich);
        ImageRecord a = ImageImporter.run(store, threeSrc, "x/img:1", false, ImageImporter.Progress.NONE);
        ImageRecord d = ImageImporter.run(store, derivedSrc, null, false, ImageImporter.Progress.NONE);
        ImageRecord b = ImageImporter.run(store, rich, "x/img:1", false, ImageImporter.Progress.NONE);
        assertEquals(List.of(), store.find(a.id()).names(), "the name moved to the newer image");
        assertEquals(b.id(), store.find("x/img:1").id());
        assertEquals(d.id(), store.find("x/derived:1").id(), "named by the image's own reference");
        assertThrows(io.strata.store.StoreException.class, () -> store.find("x/derived"), "no tag means :latest");
        ImageStore.Removal rm = store.remove(a.id().substring(0, 12));
        assertEquals(a.id(), rm.deletedImage());
        assertEquals(List.of(three.layers().get(2).diffId()), rm.deletedLayers(), "only the layer no other image uses");
        for (Path l : store.lowerDirsTopFirst(d)) assertTrue(Files.isDirectory(l), "the shared layers stay");
        store.remove("x/derived:1");
        store.remove("x/img:1");
        assertEquals(0, store.list().size());
        assertTrue(isEmptyDir(store.layers()), "no image, no layers");
    }
}
