package io.strata.launcher.snapshotter;

import io.strata.core.layerfs.HostFs;
import io.strata.core.usage.DiskUsage;
import io.strata.core.usage.UsageFile;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's containerd with {@code strata snapshotter} as its proxy snapshotter: image import (each layer applied
 * through a Strata FUSE union), {@code ctr run --rm} of a script over the three layers, and ctr's snapshot commands
 * agreeing with the snapshotter's own metadata; here with containerd running the mount program (mount.fuse3), in
 * {@link ContainerdServedSnapshotterTest} with the unions served by the snapshotter. As root; fails (does not skip)
 * where containerd is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdSnapshotterTest {
    private static final String IMAGE = "docker.io/strata-test/three-layers:1";
    private PrivateContainerd ctrd;

    @BeforeAll
    void startContainerdAndImport() throws Exception {
        ctrd = new PrivateContainerd(served());
        Path archive = ctrd.dir.resolve("three.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
        PrivateContainerd.Result r = ctrd.ctr("images", "import", "--snapshotter", "strata", archive.toString());
        assertEquals(0, r.code(), r.out() + ctrd.log());
        assertTrue(r.out().contains("unpacking " + IMAGE), r.out());
    }

    /** Whether the snapshotter serves the unions (its default) or containerd runs the mount program. */
    boolean served() {
        return false;
    }

    @AfterAll
    void stop() throws Exception {
        if (ctrd != null) ctrd.close();
    }

    /** The backend key containerd's metadata store gave a snapshot, "NAMESPACE/N/NAME", to the name ctr shows. */
    private static String ctrName(String backendKey) {
        return backendKey.isEmpty() ? "" : backendKey.split("/", 3)[2];
    }

    @Test
    @Order(1)
    void importCommitsOneReadOnlyLayerPerImageLayer() {
        List<Snapshot> all = ctrd.snapshotter.list(List.of());
        assertEquals(3, all.size(), all.toString());
        assertTrue(all.stream().allMatch(s -> s.kind() == Snapshot.Kind.COMMITTED), all.toString());
        Path top = ctrd.dir.resolve("strata/snapshots").resolve(
                all.stream().filter(s -> all.stream().noneMatch(c -> c.parent().equals(s.name()))).findFirst().orElseThrow().id())
                .resolve("fs");
        // The top layer's .wh. entries, applied by containerd through the union, became overlay whiteouts (0/0 char devices).
        assertTrue(Files.exists(top.resolve("etc/hostname"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(!Files.isRegularFile(top.resolve("etc/hostname")) && !Files.isDirectory(top.resolve("etc/hostname")));
    }

    @Test
    @Order(2)
    void runScriptCreatesModifiesDeletesOverTheLayers() throws Exception {
        String script = String.join("\n",
                "set -e",
                "echo motd: $(cat /etc/motd)",
                "echo etc: $(ls /etc)",
                "echo cache: $(ls /var/cache)",
                "echo log: $(ls /var/log)",
                "echo app: $(ls /opt/app)",
                "test -e /etc/hostname || echo hostname: gone",
                "echo changed >> /etc/motd",
                "rm /usr/share/doc/README",
                "mv /var/log/app.log /var/log/app.old",
                "mkdir -p /opt/app/config && echo new > /opt/app/config/new.conf",
                "rm -r /var/cache",
                "echo after-motd: $(cat /etc/motd)",
                "echo after-doc: $(ls /usr/share/doc)",
                "echo after-log: $(ls /var/log) $(cat /var/log/app.old)",
                "echo after-app: $(ls /opt/app) $(ls /opt/app/config)",
                "test -e /var/cache || echo cache: gone",
                "/opt/app/run.sh");
        PrivateContainerd.Result r = ctrd.runContainer(IMAGE, "strata-run-" + ProcessHandle.current().pid(), script);
        assertEquals(0, r.code(), r.out() + ctrd.log());
        assertEquals(String.join("\n",
                "motd: motd of layer 2",
                "etc: group issue motd passwd",
                "cache: new.db",
                "log: app.log",
                "app: run.sh",
                "hostname: gone",
                "after-motd: motd of layer 2 changed",
                "after-doc:",
                "after-log: app.old app started",
                "after-app: config run.sh new.conf",
                "cache: gone",
                "app", ""), r.out());

        // --rm: the container's snapshot goes (containerd's garbage collector removes it from the backend) and so does
        // its mount; the committed layers are untouched, as a second container sees.
        awaitOnlyTheImageLayers();
        assertEquals(List.of(), ctrd.mounts());
        PrivateContainerd.Result again = ctrd.runContainer(IMAGE, "strata-again-" + ProcessHandle.current().pid(),
                "cat /etc/motd /usr/share/doc/README; ls /var/cache");
        assertEquals("motd of layer 2\nbase docs\nnew.db\n", again.out());
        awaitOnlyTheImageLayers();
    }

    private void awaitOnlyTheImageLayers() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ctrd.snapshotter.list(List.of()).size() != 3 && System.nanoTime() < deadline) Thread.sleep(100);
        assertEquals(3, ctrd.snapshotter.list(List.of("kind==committed")).size(), ctrd.snapshotter.list(List.of()).toString());
        assertEquals(3, ctrd.snapshotter.list(List.of()).size(), ctrd.snapshotter.list(List.of()).toString());
    }

    @Test
    @Order(3)
    void ctrSnapshotsLsAndUsageAgreeWithTheSnapshotter() throws Exception {
        PrivateContainerd.Result ls = ctrd.ctr("snapshots", "--snapshotter", "strata", "ls");
        assertEquals(0, ls.code(), ls.out());
        Set<String> ctrView = new TreeSet<>();
        for (String line : ls.out().lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            ctrView.add(f.length == 3 ? f[0] + " " + f[1] + " " + f[2] : f[0] + " - " + f[1]);
        }
        Set<String> ours = new TreeSet<>();
        Map<String, DiskUsage.Usage> usage = new TreeMap<>();
        for (Snapshot s : ctrd.snapshotter.list(List.of())) {
            String kind = s.kind().name().charAt(0) + s.kind().name().substring(1).toLowerCase(Locale.ROOT);
            ours.add(ctrName(s.name()) + " " + (s.parent().isEmpty() ? "-" : ctrName(s.parent())) + " " + kind);
            usage.put(ctrName(s.name()), ctrd.snapshotter.usage(s.name()));
        }
        assertEquals(ours, ctrView);

        PrivateContainerd.Result du = ctrd.ctr("snapshots", "--snapshotter", "strata", "usage");
        assertEquals(0, du.code(), du.out());
        List<String> expected = new ArrayList<>(), got = new ArrayList<>();
        usage.forEach((k, u) -> expected.add(k + " " + human(u.size()) + " " + u.inodes()));
        for (String line : du.out().lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            got.add(f[0] + " " + f[1] + " " + f[2] + " " + f[3]);
        }
        got.sort(null);
        assertEquals(expected, got);
        assertTrue(usage.values().stream().allMatch(u -> u.inodes() > 1 && u.size() > 0), usage.toString());
    }

    @Test
    @Order(4)
    void ctrSnapshotsPrepareMountsAndRm() throws Exception {
        Snapshot top = ctrd.snapshotter.list(List.of("kind==committed")).stream()
                .filter(s -> ctrd.snapshotter.list(List.of("parent==\"" + s.name() + "\"")).isEmpty()).findFirst().orElseThrow();
        PrivateContainerd.Result p = ctrd.ctr("snapshots", "--snapshotter", "strata", "prepare", "work", ctrName(top.name()));
        assertEquals(0, p.code(), p.out());
        Snapshot work = ctrd.snapshotter.list(List.of("name~=/work$")).get(0);
        assertEquals(Snapshot.Kind.ACTIVE, work.kind());
        assertEquals(top.name(), work.parent());

        PrivateContainerd.Result m = ctrd.ctr("snapshots", "--snapshotter", "strata", "mounts", "/mnt/x", "work");
        assertEquals(0, m.code(), m.out());
        if (served()) {
            assertTrue(m.out().startsWith("mount -t bind " + ctrd.dir.resolve("strata/mounts").resolve(work.id()) + " /mnt/x -o rw,rbind"), m.out());
            assertTrue(ctrd.mounts().contains(ctrd.dir.resolve("strata/mounts").resolve(work.id()).toString()), "served here");
        } else {
            assertTrue(m.out().startsWith("mount -t fuse3." + ctrd.program + " " + ctrd.program + " /mnt/x -o workdir="), m.out());
            assertTrue(m.out().contains(",lowerdir=" + ctrd.dir.resolve("strata/snapshots").resolve(top.id()).resolve("fs") + ":"), m.out());
        }

        PrivateContainerd.Result busy = ctrd.ctr("snapshots", "--snapshotter", "strata", "rm", ctrName(top.parent()));
        assertTrue(busy.code() != 0, "a layer with children cannot go: " + busy.out());

        assertEquals(0, ctrd.ctr("snapshots", "--snapshotter", "strata", "rm", "work").code());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!ctrd.snapshotter.list(List.of("name~=/work$")).isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
        assertEquals(List.of(), ctrd.snapshotter.list(List.of("name~=/work$")), "removed from the backend too");
        assertTrue(!Files.exists(ctrd.dir.resolve("strata/snapshots").resolve(work.id())), "with its directory");
        assertTrue(ctrd.mounts().stream().noneMatch(mp -> mp.contains("/strata/mounts/")), "and its union: " + ctrd.mounts());
    }

    @Test
    @Order(5)
    void usageOfAnActiveSnapshotComesFromCountersThatAgreeWithAWalk() throws Exception {
        // without --rm the container, and its active snapshot, stay once the script is done
        String id = "strata-usage-" + ProcessHandle.current().pid();
        String script = String.join("\n",
                "set -e",
                "mkdir -p /data/many",
                "for i in $(seq 1 200); do echo file $i > /data/many/f$i; done",
                "dd if=/dev/zero of=/data/big bs=4096 count=64 2>/dev/null",
                "echo tail >> /data/big",
                "dd if=/dev/zero of=/data/sparse bs=1 count=1 seek=10000000 2>/dev/null",
                "truncate -s 100000 /data/big",
                "echo more >> /etc/motd",
                "ln /data/big /data/big-link",
                "mv /data/many/f1 /data/many/f2",
                "rm /usr/share/doc/README /data/many/f3",
                "rm -r /var/cache");
        try {
            PrivateContainerd.Result r = ctrd.ctr("run", "--snapshotter", "strata", IMAGE, id, "/bin/sh", "-c", script);
            assertEquals(0, r.code(), r.out() + ctrd.log());
            Snapshot active = ctrd.snapshotter.list(List.of("name~=/" + id + "$")).get(0);
            assertEquals(Snapshot.Kind.ACTIVE, active.kind());
            Path dir = ctrd.dir.resolve("strata/snapshots").resolve(active.id());
            DiskUsage.Usage walked = DiskUsage.of(HostFs.INSTANCE, dir.resolve("fs").toString());
            // kept by the union that wrote the upper: this JVM, or the mount program, which saves them as final once
            // containerd has unmounted it (its server ends on its own after ctr returns: wait for that, up to 20 s)
            String work = dir.resolve("work").toString(), upper = dir.resolve("fs").toString();
            UsageFile.Saved saved = UsageFile.read(work, upper).orElseThrow();
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); !served() && !saved.clean()
                    && System.nanoTime() < end; saved = UsageFile.read(work, upper).orElseThrow()) {
                Thread.sleep(50);
            }
            assertTrue(served() ? saved.writerAlive() : saved.clean(), saved.toString());
            assertTrue(walked.inodes() > 200, walked.toString());
            assertEquals(walked, ctrd.snapshotter.usage(active.name()), "the counters against a walk of the upper");
            PrivateContainerd.Result du = ctrd.ctr("snapshots", "--snapshotter", "strata", "usage", id);
            assertEquals(0, du.code(), du.out());
            String[] f = du.out().lines().skip(1).findFirst().orElseThrow().trim().split("\\s+");
            assertEquals(id + " " + human(walked.size()) + " " + walked.inodes(), f[0] + " " + f[1] + " " + f[2] + " " + f[3]);
        } finally {
            ctrd.ctr("containers", "rm", id);
        }
        awaitOnlyTheImageLayers();
    }

    /** containerd's progress.Bytes: 1024-based, one decimal. */
    private static String human(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = 0;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
