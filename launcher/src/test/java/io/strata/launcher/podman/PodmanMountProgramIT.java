package io.strata.launcher.podman;

import io.strata.fuse.MountTable;
import io.strata.launcher.podman.PodmanStore.Result;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Podman (Debian's package, with runc) running real containers on bin/strata-overlay as the overlay driver's
 * {@code mount_program}: the same scripted changes give the same {@code podman diff} as podman's vfs driver, a commit
 * keeps them, memory and pids limits act. Runs after {@code package} (failsafe), so that the script serves with the
 * jar just built. Every test removes its containers and checks that no mount and no strata-overlay server is left;
 * the class removes its images, both stores and the cgroups podman made.
 */
class PodmanMountProgramIT {
    static final String IMAGE = "localhost/strata-test/three-layers:1";
    static final String COMMITTED = "localhost/strata-it/committed:1";
    static final String CGROUP = "strata-podman-it-" + ProcessHandle.current().pid();
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path MOUNT_PROGRAM = MODULE.getParent().resolve("bin/strata-overlay");

    /**
     * Creates, modifies, deletes and renames over the image's three layers: a file of each layer changed or deleted,
     * a directory of the second layer deleted, a file and a directory of the base layer renamed, metadata only changed.
     */
    static final String SCRIPT = String.join("\n",
            "set -e",
            "echo new > /etc/newfile",
            "mkdir -p /srv/data && echo d > /srv/data/f",
            "echo more >> /etc/motd",                    // layer 2's motd, over the base layer's
            "echo x >> /usr/share/doc/README",           // base layer
            "busybox chmod 600 /etc/group",              // base layer, metadata only
            "rm /etc/issue",                             // top layer
            "rm /var/log/app.log",                       // a file of layer 2
            "rm -r /opt/app",                            // a directory of layer 2
            "mv /etc/passwd /etc/passwd.renamed",        // a file of the base layer
            "mv /usr/share /usr/share.moved",            // a directory of the base layer
            "mv /srv/data/f /srv/data/g",
            "ln -s /etc/newfile /etc/newlink",
            "echo done");

    /** What a container of the committed image must see. */
    static final String CHECK = String.join(" && ",
            "test \"$(cat /etc/newfile)\" = new",
            "test \"$(cat /srv/data/g)\" = d", "test ! -e /srv/data/f",
            "test \"$(cat /etc/motd)\" = \"$(printf 'motd of layer 2\\nmore')\"",
            "test \"$(cat /usr/share.moved/doc/README)\" = \"$(printf 'base docs\\nx')\"",
            "test \"$(stat -c %a /etc/group)\" = 600",
            "test ! -e /etc/issue", "test ! -e /var/log/app.log", "test -d /var/log", "test ! -e /opt/app", "test -d /opt",
            "test ! -e /etc/passwd", "grep -q '^root:' /etc/passwd.renamed",
            "test ! -e /usr/share", "test \"$(busybox readlink /etc/newlink)\" = /etc/newfile",
            "echo ok");

    static Path base;
    static PodmanStore strata, vfs;

    @BeforeAll
    static void storesWithTheTestImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "rootful podman: run as root");
        // test.sh installs podman (scripts/deps.sh): missing here is a broken set-up, not a reason to skip
        assertTrue(Files.isExecutable(Path.of(PodmanStore.PODMAN)), "podman is not installed (./test.sh installs it)");
        assertTrue(Files.isExecutable(MOUNT_PROGRAM), MOUNT_PROGRAM + " missing");
        Path jar = MODULE.resolve("target/strata.jar");
        Path built = MODULE.resolve("target/classes/io/strata/launcher/OverlayMain.class");
        assertTrue(Files.exists(jar) && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(built)) >= 0,
                "target/strata.jar is missing or older than the classes: this test runs after package (mvn verify)");
        base = Files.createTempDirectory(Path.of("/tmp"), "sp"); // short: podman's runroot limit, see PodmanStore
        Path archive = base.resolve("three-layers.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
        strata = PodmanStore.overlay(base.resolve("strata"), "/" + CGROUP, MOUNT_PROGRAM);
        vfs = PodmanStore.vfs(base.resolve("vfs"), "/" + CGROUP);
        for (PodmanStore s : List.of(strata, vfs)) {
            String out = s.ok("load", "-i", archive.toString());
            assertTrue(out.contains(IMAGE), out);
        }
        System.out.println(strata.ok("version", "--format", "podman {{.Client.Version}}").trim() + ", runtime "
                + strata.ok("info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}").trim());
    }

    @AfterEach
    void noContainerMountOrServerLeft() {
        if (strata == null) return;
        List<String> problems = new ArrayList<>();
        for (PodmanStore s : List.of(strata, vfs)) {
            Result r = s.podman("rm", "-af");
            if (r.code() != 0) problems.add("podman rm -af (" + s.name + "): " + r.both());
        }
        problems.addAll(leaks());
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    @AfterAll
    static void removeStoresAndCgroups() throws Exception {
        if (base == null) return;
        List<String> problems = new ArrayList<>();
        if (strata != null) {
            for (PodmanStore s : List.of(strata, vfs)) {
                for (String[] cmd : List.of(new String[] {"rm", "-af"}, new String[] {"rmi", "-af"},
                        new String[] {"system", "reset", "-f"})) {
                    Result r = s.podman(cmd);
                    if (r.code() != 0) problems.add("podman " + String.join(" ", cmd) + " (" + s.name + "): " + r.both());
                }
            }
        }
        problems.addAll(leaks());
        for (String m : mountsUnder(base)) { // unmount before deleting: never delete through a live mount
            problems.add("left mounted: " + m);
            MountTable.unmount(Path.of(m), true);
        }
        // every run named this parent (podman's default is /libpod_parent, shared with any other podman on the
        // machine): conmon's cgroup landed in it too, so removing it leaves nothing of this test's behind
        if (!Files.isDirectory(Path.of("/sys/fs/cgroup/pids", CGROUP, "conmon")) // cgroup v1; v2 next
                && !Files.isDirectory(Path.of("/sys/fs/cgroup", CGROUP, "conmon")))
            problems.add("no " + CGROUP + "/conmon cgroup: did podman put conmon somewhere else?");
        problems.addAll(removeCgroups(CGROUP));
        if (mountsUnder(base).isEmpty()) deleteTree(base);
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    // ---------------------------------------------------------------- tests

    @Test
    void scriptedChangesDiffAsOnTheVfsDriver() {
        Set<String> onStrata = runScriptAndDiff(strata, "scripted");
        Set<String> onVfs = runScriptAndDiff(vfs, "scripted");
        assertEquals(onVfs, onStrata, "podman diff: vfs vs overlay with strata-overlay");
        for (String expected : List.of("A /etc/newfile", "A /etc/newlink", "A /etc/passwd.renamed", "A /srv/data/g",
                "A /usr/share.moved/doc/README", "C /etc/motd", "C /etc/group", "D /etc/issue", "D /etc/passwd",
                "D /var/log/app.log", "D /opt/app", "D /usr/share"))
            assertTrue(onStrata.contains(expected), expected + " missing from " + onStrata);
    }

    @Test
    void aCommittedContainerRunsWithItsChanges() {
        Set<String> changes = runScriptAndDiff(strata, "to-commit");
        strata.ok("commit", "-q", "to-commit", COMMITTED);
        Result r = strata.run("--rm", COMMITTED, "/bin/sh", "-c", CHECK);
        assertEquals(0, r.code(), r.both());
        assertEquals("ok", r.out().trim());
        // the committed layer holds tar-form whiteouts (.wh.NAME); podman mounts it as the upper of the image's view
        Set<String> imageDiff = lines(strata.ok("diff", COMMITTED));
        assertEquals(changes, imageDiff, "podman diff of the committed image vs of its container");
    }

    @Test
    void aMemoryLimitOomKillsWithExit137() {
        Result r = strata.run("--rm", "--memory", "32m", IMAGE, "/bin/sh", "-c", "x=a; while :; do x=\"$x$x\"; done");
        assertEquals(137, r.code(), r.both());
    }

    @Test
    void aPidsLimitStopsForks() {
        String forks = "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done; echo started $i";
        Result limited = strata.run("--rm", "--pids-limit", "8", IMAGE, "/bin/sh", "-c", forks);
        assertNotEquals(0, limited.code(), limited.both());
        assertTrue(limited.err().contains("can't fork"), limited.both());
        Result roomy = strata.run("--rm", "--pids-limit", "64", IMAGE, "/bin/sh", "-c", forks);
        assertEquals(0, roomy.code(), roomy.both());
        assertEquals("started 20", roomy.out().trim());
    }

    @Test
    void aUserNamespaceSeesTheLayersMappedOnce() {
        // podman 4.3 hands the mount program its lowers through an idmapped mount that it detaches once the program
        // returns, and the same mapping as options (see IdmappedLowers): the layers' root must show as the container's
        String script = "stat -c '%u:%g' / /etc/motd; echo new > /etc/newfile; stat -c '%u:%g' /etc/newfile; "
                + "cat /etc/motd; cat /proc/self/uid_map";
        Result r = strata.run("--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", IMAGE, "/bin/sh", "-c", script);
        assertEquals(0, r.code(), r.both());
        assertEquals(List.of("0:0", "0:0", "0:0", "motd of layer 2", "0 100000 65536"),
                r.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList(), r.both());
    }

    // ---------------------------------------------------------------- helpers

    private static Set<String> runScriptAndDiff(PodmanStore s, String name) {
        Result r = s.run("--name", name, IMAGE, "/bin/sh", "-c", SCRIPT);
        assertEquals(0, r.code(), s.name + ": " + r.both());
        assertEquals("done", r.out().trim(), s.name + ": " + r.both());
        return lines(s.ok("diff", name));
    }

    private static Set<String> lines(String out) {
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Mounts below base, and strata-overlay servers of this test's stores, after a grace period for servers to exit. */
    private static List<String> leaks() {
        List<String> leaks = new ArrayList<>();
        long end = System.nanoTime() + 15_000_000_000L;
        List<ProcessHandle> servers;
        do {
            servers = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                    .map(c -> c.contains("io.strata.launcher.OverlayMain") && c.contains(base.toString())).orElse(false))
                    .toList();
            if (servers.isEmpty()) break;
            sleep(100);
        } while (System.nanoTime() < end);
        for (ProcessHandle p : servers) {
            leaks.add("strata-overlay server still running: pid " + p.pid() + " " + p.info().commandLine().orElse(""));
            p.destroyForcibly();
        }
        for (String m : mountsUnder(base)) leaks.add("mount left: " + m);
        return leaks;
    }

    private static List<String> mountsUnder(Path dir) {
        String prefix = dir.toString() + "/";
        return MountTable.mountPoints().stream().filter(m -> m.startsWith(prefix)).toList();
    }

    /**
     * Removes the cgroup parent podman's cgroupfs manager made in every hierarchy (cgroup v1 controllers, the named
     * systemd one, the unified one) — its conmon/ and libpod-ID/ children first. A cgroup that still has tasks refuses.
     */
    private static List<String> removeCgroups(String parent) throws IOException {
        List<String> problems = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        List<Path> candidates = new ArrayList<>(List.of(root.resolve(parent)));
        try (Stream<Path> hierarchies = Files.list(root)) {
            hierarchies.filter(Files::isDirectory).forEach(h -> candidates.add(h.resolve(parent)));
        }
        for (Path c : candidates) {
            if (!Files.isDirectory(c)) continue;
            List<Path> dirs;
            try (Stream<Path> s = Files.walk(c)) {
                dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            }
            for (Path d : dirs) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    problems.add("cgroup " + d + " cannot be removed (tasks left?): " + e);
                }
            }
        }
        for (Path c : candidates) if (Files.isDirectory(c)) problems.add("cgroup " + c + " still there");
        return problems;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
