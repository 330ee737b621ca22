package io.strata.launcher.image;

import io.strata.launcher.Cli;
import io.strata.launcher.Cli.Result;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.fuse.MountTable;
import io.strata.testimages.Compression;
import io.strata.testimages.HostileImages;
import io.strata.testimages.Image;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.Layer;
import io.strata.testimages.TestImages;
import io.strata.testimages.oracle.Node;
import io.strata.testimages.oracle.OciOracle;
import io.strata.testimages.oracle.TreeScan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code strata image ...} as a user runs it: import, ls, inspect, which, a real read-only FUSE mount, rm. */
class ImageCliTest {
    @TempDir
    Path base;
    Path mnt;

    @AfterEach
    void noMountLeft() {
        if (mnt != null && MountTable.isMounted(mnt)) MountTable.unmount(mnt, true);
        if (mnt != null) server().ifPresent(ProcessHandle::destroyForcibly);
        if (mnt != null) assertFalse(MountTable.isMounted(mnt));
    }

    private Optional<ProcessHandle> server() {
        return Cli.serverOf(mnt);
    }

    static Result strata(String... args) {
        return Cli.run(args);
    }

    private String store() {
        return base.resolve("store").toString();
    }

    @Test
    void importInspectWhichMountAndRemove() throws Exception {
        Image three = TestImages.threeLayers().withCompression(Compression.ZSTD);
        Path src = base.resolve("three.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(three, src);
        Result imp = strata("image", "import", "--store", store(), src.toString(), "--name", "test/three:v1");
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("imported " + three.configDigest() + " as test/three:v1"), imp.out());
        assertTrue(imp.err().contains("layer 3/3"), "plain progress lines when not on a terminal: " + imp.err());

        Result ls = strata("image", "ls", "--store", store());
        assertEquals(0, ls.code(), ls.err());
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("test/three:v1") && l.contains(three.configDigest().substring(7, 19))), ls.out());

        Result lsJson = strata("image", "ls", "--store", store(), "--format", "json");
        assertEquals(three.configDigest().substring(7), new ObjectMapper().readTree(lsJson.out()).get(0).path("id").asText(), lsJson.out());

        Result inspect = strata("image", "inspect", "--store", store(), "--format", "json", "test/three:v1");
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode j = new ObjectMapper().readTree(inspect.out());
        assertEquals(three.configDigest(), j.path("id").asText());
        assertEquals(3, j.path("layers").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(three.layers().get(i).diffId(), j.path("layers").get(i).path("diffId").asText());
            assertTrue(Files.isDirectory(Path.of(j.path("layers").get(i).path("dir").asText())));
        }
        assertEquals(three.history().get(2), j.path("history").get(2).path("created_by").asText());
        Result text = strata("image", "inspect", "--store", store(), three.configDigest().substring(7, 15));
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("Layers (bottom first):") && text.out().contains("Cmd:          /bin/sh"), text.out());

        Result which = strata("image", "which", "--store", store(), "test/three:v1", "/etc/motd", "/etc/hostname", "/bin/busybox");
        assertEquals(1, which.code(), "a deleted path makes which exit 1: " + which.out());
        List<String> lines = which.out().lines().toList();
        assertTrue(lines.get(0).startsWith("/etc/motd: from layer 2"), lines.toString());
        assertTrue(lines.get(1).startsWith("/etc/hostname: deleted in layer 3"), lines.toString());
        assertTrue(lines.get(2).startsWith("/bin/busybox: from layer 1"), lines.toString());

        mountAndCompare("test/three:v1", TestImages.threeLayers());

        Result export = strata("image", "export", "--store", store(), "test/three:v1", base.resolve("out.oci.tar").toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(Files.isRegularFile(base.resolve("out.oci.tar")) && export.out().startsWith("exported "), export.out());
        Result again = strata("image", "export", "--store", store(), "test/three:v1", base.resolve("out.oci.tar").toString());
        assertEquals(2, again.code(), "an existing target is not overwritten");
        assertTrue(again.err().contains("exists already"), again.err());

        Result rm = strata("image", "rm", "--store", store(), "test/three:v1");
        assertEquals(0, rm.code(), rm.err());
        assertEquals(3, rm.out().lines().filter(l -> l.startsWith("deleted layer: ")).count(), rm.out());
        assertEquals(1, strata("image", "ls", "--store", store()).out().lines().count(), "only the header left");
        try (Stream<Path> s = Files.list(base.resolve("store/layers/sha256"))) {
            assertEquals(0, s.count());
        }
    }

    /** The rich image (links, fifo, xattrs, 1 GiB sparse file, deep tree) through a Strata mount. */
    @Test
    void richImageThroughStrataMount() throws Exception {
        Path src = base.resolve("rich");
        ImageFormat.OCI_LAYOUT.write(TestImages.rich(), src);
        Result imp = strata("image", "import", "--store", store(), "-q", src.toString());
        assertEquals(0, imp.code(), imp.err());
        assertEquals(TestImages.rich().configDigest(), imp.out().trim());
        mountAndCompare("strata-test/rich:1", TestImages.rich());
    }

    private void mountAndCompare(String image, Image oracleImage) throws Exception {
        mnt = Files.createDirectories(base.resolve("mnt"));
        Result m = strata("image", "mount", "--store", store(), image, mnt.toString());
        assertEquals(0, m.code(), m.err());
        ProcessHandle server = server().orElseThrow();
        try {
            assertTrue(MountTable.isMounted(mnt));
            assertTrees(OciOracle.merged(oracleImage), TreeScan.scan(mnt));
            assertFalse(mnt.resolve("new-file").toFile().canWrite() && tryWrite(mnt.resolve("new-file")), "read-only mount");
        } finally {
            assertEquals(0, strata("umount", mnt.toString()).code());
            server.onExit().get(20, TimeUnit.SECONDS);
        }
        assertFalse(MountTable.isMounted(mnt));
    }

    private static boolean tryWrite(Path p) {
        try {
            Files.writeString(p, "x");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    static void assertTrees(Map<String, Node> expected, Map<String, Node> actual) {
        for (String k : expected.keySet()) assertEquals(expected.get(k), actual.get(k), k);
        for (String k : actual.keySet()) assertTrue(expected.containsKey(k), "unexpected " + k);
    }

    @Test
    void badInputExitsTwoWithOneClearLine() throws Exception {
        Result missing = strata("image", "import", "--store", store(), base.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("strata: ") && missing.err().contains("no such file"), missing.err());
        HostileImages.Case evil = HostileImages.all().stream().filter(c -> c.id().equals("symlink-escape-write")).findFirst().orElseThrow();
        Path src = base.resolve("evil.oci.tar");
        ImageFormat.OCI_ARCHIVE.write(evil.image(), src);
        Result r = strata("image", "import", "--store", store(), src.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("refusing to write through it"), r.err());
        assertEquals(1, strata("image", "ls", "--store", store()).out().lines().count(), "nothing imported");
        Result unknown = strata("image", "inspect", "--store", store(), "no/such:image");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no such image"), unknown.err());
        Result badName = strata("image", "import", "--store", store(), src.toString(), "--name", "Bad Name");
        assertEquals(2, badName.code());
        assertTrue(badName.err().contains("invalid image name"), badName.err());
    }

    @Test
    void storeComesFromTheEnvironmentWhenNotGiven() {
        // the default (/var/lib/strata) is not touched by tests; --store wins over STRATA_STORE
        assertEquals(Path.of("/x"), io.strata.store.oci.ImageStore.rootFrom(Path.of("/x")));
        String env = System.getenv("STRATA_STORE");
        assertEquals(env != null && !env.isBlank() ? Path.of(env) : Path.of("/var/lib/strata"), io.strata.store.oci.ImageStore.rootFrom(null));
    }

    @SuppressWarnings("unused")
    private static List<String> diffIds(Image i) {
        return i.layers().stream().map(Layer::diffId).toList();
    }
}
