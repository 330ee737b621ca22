package io.strata.launcher.store;

import io.strata.fuse.MountTable;
import io.strata.launcher.Cli;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import io.strata.testimages.oracle.KernelOverlay;
import io.strata.testimages.oracle.Node;
import io.strata.testimages.oracle.TreeScan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code strata commit} of a block-store container, while it is mounted and after: the new image is the image's layers
 * plus one, and the kernel's overlay of those layers shows exactly the tree the container shows (new, changed, deleted
 * files, a removed lower directory, a renamed one, a file capability), and the container keeps running.
 */
class BlockCommitTest {
    @TempDir
    Path base;
    private Path store, rw, check;

    private Cli.Result strata(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (!a.get(0).equals("umount")) a.add("--store=" + store);
        return Cli.run(a.toArray(String[]::new));
    }

    private static void sh(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @AfterEach
    void cleanUp() {
        for (Path m : new Path[] {rw, check}) if (m != null && MountTable.isMounted(m)) MountTable.unmount(m, true);
        if (store != null) strata("daemon", "stop");
        for (Path m : new Path[] {rw, check}) if (m != null) assertFalse(MountTable.isMounted(m), "left mounted: " + m);
    }

    @Test
    void commitWhileMountedGivesAnImageThatShowsTheContainersTree() throws Exception {
        store = base.resolve("store");
        Path archive = base.resolve("three.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
        assertEquals(0, strata("image", "import", archive.toString(), "--name", "t:1").code());
        assertEquals(0, strata("create", "--name", "c", "t:1").code());
        rw = Files.createDirectories(base.resolve("rw"));
        Cli.Result m = strata("mount", "c", rw.toString());
        assertEquals(0, m.code(), m.err());

        Files.writeString(rw.resolve("etc/new.conf"), "new\n");
        try (RandomAccessFile f = new RandomAccessFile(rw.resolve("etc/motd").toFile(), "rw")) {
            f.seek(2);
            f.write('X'); // 1 byte into a lower file: a copy-up by reference
        }
        Files.delete(rw.resolve("etc/issue"));
        sh(rw, "rm", "-rf", "usr/share/doc");
        sh(rw, "mv", "opt/app", "opt/renamed");
        Files.writeString(rw.resolve("bin/pinger"), "#!/bin/sh\n");
        sh(rw, "setcap", "cap_setuid,cap_net_raw+ep", "bin/pinger");
        Map<String, Node> container = TreeScan.scan(rw);

        Cli.Result c = strata("commit", "c", "t:2", "-m", "by the test");
        assertEquals(0, c.code(), c.err());
        assertTrue(MountTable.isMounted(rw), "the container runs on");
        Files.writeString(rw.resolve("etc/after"), "written after the commit\n");

        ImageStore images = new ImageStore(store);
        ImageRecord img = images.find("t:2"), orig = images.find("t:1");
        assertEquals(orig.layers().size() + 1, img.layers().size());
        assertEquals(orig.layers(), img.layers().subList(0, orig.layers().size()), "the image's layers, then one more");
        check = Files.createDirectories(base.resolve("check"));
        try (KernelOverlay k = KernelOverlay.mount(images.lowerDirsTopFirst(img), check)) {
            Map<String, Node> committed = TreeScan.scan(check);
            assertEquals(container.keySet(), committed.keySet());
            for (String p : container.keySet()) assertEquals(container.get(p), committed.get(p), p);
            assertFalse(Files.exists(check.resolve("etc/after")), "a point in time");
        }
        String history = strata("image", "inspect", "t:2", "--format", "json").out();
        assertTrue(history.contains("by the test"), history);

        assertEquals(0, strata("umount", rw.toString()).code());
        Cli.Result again = strata("commit", "c", "t:3");
        assertEquals(0, again.code(), again.err());
        assertNotEquals(images.find("t:2").id(), images.find("t:3").id(), "etc/after is in the second commit");
        assertTrue(strata("snapshot", "ls", "c").out().isBlank(), "the commit's own snapshots are gone");
        assertEquals(2, strata("commit", "nosuch", "x:1").code());
    }
}
