package io.strata.launcher.container;

import io.strata.launcher.Cli;
import io.strata.launcher.Cli.Result;
import io.strata.fuse.MountTable;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** create → container mount (Strata FUSE, writable) → changes → umount → diff → commit → image mount of the result. */
class ContainerCliTest {
    @TempDir
    Path base;
    final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void noMountLeft() {
        for (Path m : mounts) {
            if (MountTable.isMounted(m)) MountTable.unmount(m, true);
            server(m).ifPresent(ProcessHandle::destroyForcibly);
            assertFalse(MountTable.isMounted(m));
        }
    }

    private static Optional<ProcessHandle> server(Path mnt) {
        return Cli.serverOf(mnt);
    }

    static Result strata(String... args) {
        return Cli.run(args);
    }

    private Path mountPoint(String name) throws Exception {
        Path m = Files.createDirectories(base.resolve(name));
        mounts.add(m);
        return m;
    }

    private static void unmount(Path m) throws Exception {
        ProcessHandle server = server(m).orElseThrow();
        assertEquals(0, strata("umount", m.toString()).code());
        server.onExit().get(20, TimeUnit.SECONDS);
        assertFalse(MountTable.isMounted(m));
    }

    @Test
    void containerChangesBecomeAnImage() throws Exception {
        String store = base.resolve("store").toString();
        ImageFormat.OCI_LAYOUT.write(TestImages.threeLayers(), base.resolve("three"));
        assertEquals(0, strata("image", "import", "--store", store, "-q", base.resolve("three").toString()).code());
        Result create = strata("container", "create", "--store", store, "--name", "web", "strata-test/three-layers:1");
        assertEquals(0, create.code(), create.err());

        Path mnt = mountPoint("mnt");
        Result m = strata("container", "mount", "--store", store, "web", mnt.toString());
        assertEquals(0, m.code(), m.err());
        Files.writeString(mnt.resolve("etc/motd"), "from the container\n");
        Files.delete(mnt.resolve("var/log/app.log"));
        Files.createDirectories(mnt.resolve("srv/www"));
        Files.writeString(mnt.resolve("srv/www/index.html"), "<h1>hi</h1>\n");
        Result busy = strata("container", "commit", "--store", store, "web", "x/y:1");
        assertEquals(2, busy.code());
        assertTrue(busy.err().contains("is mounted at") && busy.err().contains("unmount it first"), busy.err());
        assertTrue(strata("container", "ls", "--store", store).out().contains(mnt.toString()), "ls shows where it is mounted");
        unmount(mnt);

        Result diff = strata("container", "diff", "--store", store, "web");
        assertEquals(0, diff.code(), diff.err());
        assertEquals(List.of("C /etc", "C /etc/motd", "A /srv", "A /srv/www", "A /srv/www/index.html", "C /var", "C /var/log",
                "D /var/log/app.log"), diff.out().lines().toList());

        Result commit = strata("container", "commit", "--store", store, "web", "local/web:2", "-m", "site");
        assertEquals(0, commit.code(), commit.err());
        assertTrue(commit.out().trim().endsWith("local/web:2"), commit.out());
        Result inspect = strata("image", "inspect", "--store", store, "local/web:2");
        assertTrue(inspect.out().contains("strata container commit web"), inspect.out());

        Path view = mountPoint("view");
        assertEquals(0, strata("image", "mount", "--store", store, "local/web:2", view.toString()).code());
        try {
            assertEquals("from the container\n", Files.readString(view.resolve("etc/motd")));
            assertEquals("<h1>hi</h1>\n", Files.readString(view.resolve("srv/www/index.html")));
            assertFalse(Files.exists(view.resolve("var/log/app.log")));
            assertFalse(Files.exists(view.resolve("etc/hostname")), "the image's own deletions still hold");
        } finally {
            unmount(view);
        }
        Result which = strata("image", "which", "--store", store, "local/web:2", "/var/log/app.log");
        assertTrue(which.out().startsWith("/var/log/app.log: deleted in layer 4"), which.out());

        Result rmImage = strata("image", "rm", "--store", store, "strata-test/three-layers:1");
        assertEquals(2, rmImage.code(), "the container's image stays while the container does");
        assertEquals(0, strata("container", "rm", "--store", store, "web").code());
        assertEquals(0, strata("image", "rm", "--store", store, "strata-test/three-layers:1").code());
        Result bad = strata("container", "diff", "--store", store, "web");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("no such container"), bad.err());
    }
}
