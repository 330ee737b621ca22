package io.strata.store.container;

import io.strata.core.host.Host;
import io.strata.core.union.Caller;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import io.strata.store.StoreException;
import io.strata.store.oci.ImageExporter;
import io.strata.store.oci.ImageImporter;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import io.strata.testimages.oracle.Node;
import io.strata.testimages.oracle.TreeScan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container on the three-layer image is changed through fs-core's union (the code behind the mounts): new, changed,
 * chmod-only (metacopy), deleted, opaque-recreated and renamed (redirect) objects, hard links and symlinks. Then
 * {@code diff} lists them and {@code commit} makes a layer: the committed image, mounted by the kernel's overlayfs,
 * must show exactly the tree the kernel shows for the container itself.
 */
class ContainerCommitTest {
    @TempDir
    Path base;

    private static void write(UnionFs fs, String path, String content, boolean create) throws Exception {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        try (UnionFile f = create ? fs.create(path, Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL, 0644, Caller.ROOT)
                : fs.open(path, Host.O_WRONLY | Host.O_TRUNC)) {
            f.write(b, b.length, 0);
        }
    }

    private static Map<String, Node> kernelView(String opts, Path mnt) throws Exception {
        Files.createDirectories(mnt);
        Process p = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", opts, mnt.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "mount -t overlay -o " + opts + ": " + out);
        try {
            return TreeScan.scan(mnt);
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    private static String lowers(ImageStore store, ImageRecord r) {
        StringBuilder b = new StringBuilder();
        for (Path p : store.lowerDirsTopFirst(r)) b.append(b.length() == 0 ? "" : ":").append(p);
        return b.toString();
    }

    @Test
    void diffAndCommitOfEveryKindOfChange() throws Exception {
        ImageStore images = new ImageStore(base.resolve("store"));
        ImageFormat.OCI_LAYOUT.write(TestImages.threeLayers(), base.resolve("three"));
        ImageRecord image = ImageImporter.run(images, base.resolve("three"), null, false, ImageImporter.Progress.NONE);
        ContainerStore containers = new ContainerStore(images);
        ContainerRecord c = containers.create("c1", "strata-test/three-layers:1");
        assertThrows(StoreException.class, () -> containers.create("c1", image.id()), "names are unique");

        UnionFs fs = new ContainerUnion(containers, c).container;
        write(fs, "etc/new.conf", "new\n", true);
        write(fs, "etc/motd", "changed in the container\n", false);
        fs.chmod("etc/issue", 0600); // metadata only: the data stays below (metacopy)
        fs.unlink("bin/ls");
        fs.unlink("usr/share/doc/README");
        fs.rmdir("usr/share/doc");
        fs.mkdir("usr/share/doc", 0755, Caller.ROOT);
        write(fs, "usr/share/doc/NEW", "recreated\n", true);
        fs.rename("opt/app", "opt/application", 0); // a lower directory: redirect
        fs.link("etc/new.conf", "etc/new-link.conf", Caller.ROOT);
        fs.symlink("motd", "etc/motd-link", Caller.ROOT);
        fs.mkdir("srv", 0755, Caller.ROOT);
        fs.mkdir("srv/data", 0700, Caller.ROOT);
        write(fs, "srv/data/x", "x\n", true);

        List<String> diff = ContainerDiff.of(containers, "c1").stream().map(Object::toString).toList();
        for (String want : List.of("A /etc/new.conf", "A /etc/new-link.conf", "A /etc/motd-link", "C /etc/motd", "C /etc/issue",
                "D /bin/ls", "D /usr/share/doc/README", "A /usr/share/doc/NEW", "C /usr/share/doc", "D /opt/app",
                "A /opt/application", "A /opt/application/run.sh", "A /srv", "A /srv/data/x", "C /etc"))
            assertTrue(diff.contains(want), want + " in " + diff);
        assertTrue(diff.stream().noneMatch(l -> l.contains("busybox") || l.contains("passwd")), "unchanged files are not listed: " + diff);
        List<String> sorted = new ArrayList<>(diff);
        sorted.sort((a, b) -> a.substring(2).compareTo(b.substring(2)));
        assertEquals(sorted, diff, "sorted by path");

        String upper = containers.upper(c).toString(), work = containers.work(c).toString();
        Map<String, Node> container = kernelView("lowerdir=" + lowers(images, image) + ",upperdir=" + upper + ",workdir=" + work
                + ",redirect_dir=on,metacopy=on", base.resolve("mnt-container"));
        assertEquals("changed in the container\n".length(), container.get("etc/motd").size(), "the kernel reads Strata's upper");
        assertEquals(0600, container.get("etc/issue").perms());

        ImageRecord committed = ContainerCommit.commit(containers, "c1", "local/committed:1", "test");
        assertEquals(image.layers().size() + 1, committed.layers().size());
        assertEquals(List.of("local/committed:1"), committed.names());
        Map<String, Node> fromImage = kernelView("ro,lowerdir=" + lowers(images, committed), base.resolve("mnt-image"));
        assertEquals(container, fromImage, "the committed image shows what the container showed");

        ImageRecord again = ContainerCommit.commit(containers, "c1", "local/committed:2", null);
        assertEquals(committed.layers().get(3).diffId(), again.layers().get(3).diffId(), "same changes, same layer (deterministic tar)");

        // the committed image travels: export, import elsewhere, same tree
        ImageExporter.export(images, "local/committed:1", base.resolve("out.oci.tar"), ImageExporter.Format.OCI, ImageExporter.LayerCompression.GZIP);
        ImageStore other = new ImageStore(base.resolve("other"));
        ImageRecord moved = ImageImporter.run(other, base.resolve("out.oci.tar"), null, false, ImageImporter.Progress.NONE);
        assertEquals("local/committed:1", moved.names().get(0));
        assertEquals(container, kernelView("ro,lowerdir=" + lowers(other, moved), base.resolve("mnt-moved")));

        StoreException used = assertThrows(StoreException.class, () -> images.remove(image.id()));
        assertTrue(used.getMessage().contains("used by container c1"), used.getMessage());
        containers.remove("c1");
        assertNotEquals(0, images.list().size());
        images.remove(image.id());
        images.remove("local/committed:1");
        images.remove("local/committed:2");
        try (var s = Files.list(base.resolve("store/layers/sha256"))) {
            assertEquals(0, s.count(), "every layer freed");
        }
    }
}
