package io.strata.store.oci;

import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code image which} on the three-layer image, whose layers are known: base (1), app (2), deletions (3). */
class PathOriginsTest {
    @TempDir
    static Path base;
    static ImageStore store;
    static ImageRecord image;

    @BeforeAll
    static void importIt() throws Exception {
        store = new ImageStore(base.resolve("store"));
        ImageFormat.OCI_LAYOUT.write(TestImages.threeLayers(), base.resolve("three"));
        image = ImageImporter.run(store, base.resolve("three"), null, false, ImageImporter.Progress.NONE);
    }

    private static PathOrigins.Origin which(String path) {
        List<String> ids = new ArrayList<>(image.layers().stream().map(ImageRecord.LayerRef::diffId).toList());
        Collections.reverse(ids);
        return PathOrigins.of(path, store.lowerDirsTopFirst(image), ids);
    }

    @Test
    void eachKindOfAnswer() {
        PathOrigins.Origin motd = which("/etc/motd");
        assertEquals(2, motd.providedBy());
        assertTrue(motd.describe().matches("/etc/motd: from layer 2 \\(\\w+\\); hides layer 1 \\(\\w+\\)"), motd.describe());
        PathOrigins.Origin host = which("etc/hostname");
        assertEquals(0, host.providedBy());
        assertTrue(host.describe().startsWith("/etc/hostname: deleted in layer 3"), host.describe());
        assertTrue(host.describe().contains("was in layer 2"), host.describe());
        PathOrigins.Origin old = which("/var/cache/old.db");
        assertEquals(0, old.providedBy());
        assertTrue(old.describe().contains("a parent is opaque in layer 3") && old.describe().contains("was in layer 1"), old.describe());
        PathOrigins.Origin cache = which("/var/cache");
        assertEquals(3, cache.providedBy());
        assertTrue(cache.describe().contains("(opaque directory)") && cache.describe().contains("hides layer 1"), cache.describe());
        PathOrigins.Origin etc = which("/etc");
        assertEquals(3, etc.providedBy());
        assertTrue(etc.describe().contains("merged with layer 2") && etc.describe().contains("layer 1"), etc.describe());
        assertEquals(1, which("/bin/busybox").providedBy());
        assertEquals("/nope: not in the image", which("/nope").describe());
        assertEquals(0, which("/opt/app/config/app.conf").providedBy(), "below a deleted directory");
    }

    @Test
    void symlinkedParentsAreFollowedInTheMergedView() throws Exception {
        ImageStore s = new ImageStore(base.resolve("rich-store"));
        ImageFormat.OCI_LAYOUT.write(TestImages.rich(), base.resolve("rich"));
        ImageRecord rich = ImageImporter.run(s, base.resolve("rich"), null, false, ImageImporter.Progress.NONE);
        List<String> ids = new ArrayList<>(rich.layers().stream().map(ImageRecord.LayerRef::diffId).toList());
        Collections.reverse(ids);
        PathOrigins.Origin viaLink = PathOrigins.of("/data/dirlink/link2", s.lowerDirsTopFirst(rich), ids);
        assertEquals("/data/sub/link2", viaLink.resolved());
        assertEquals(2, viaLink.providedBy(), viaLink.describe());
        assertTrue(viaLink.describe().startsWith("/data/dirlink/link2 (= /data/sub/link2): from layer 2"), viaLink.describe());
        PathOrigins.Origin link = PathOrigins.of("/data/dirlink", s.lowerDirsTopFirst(rich), ids);
        assertEquals("/data/dirlink", link.resolved(), "the last component is the link itself");
        assertEquals(2, link.providedBy());
        PathOrigins.Origin up = PathOrigins.of("/data/dirlink/../../bin/busybox", s.lowerDirsTopFirst(rich), ids);
        assertEquals("/bin/busybox", up.resolved());
        assertEquals(1, up.providedBy());
    }
}
