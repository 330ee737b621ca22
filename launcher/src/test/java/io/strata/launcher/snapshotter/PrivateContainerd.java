package io.strata.launcher.snapshotter;

import io.strata.launcher.OverlayMain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A containerd of the test's own (root, state, sockets and config in a temp dir, CRI off) with the Strata snapshotter
 * served in this JVM as its proxy plugin {@code strata}, and the mount program that mount.fuse3 runs for
 * {@code fuse3.NAME}: a script {@code /usr/local/sbin/NAME} (mount.fuse3 runs NAME through /bin/sh, so it must be
 * on sh's default PATH) that starts OverlayMain on this JVM's class path. {@link #close()} leaves nothing behind:
 * no process, mount, script or directory, whatever state a failed test left.
 */
final class PrivateContainerd implements AutoCloseable {
    final Path dir;
    final Path sock;
    final String program;
    final Snapshotter snapshotter;
    private final Path wrapper;
    private SnapshotServer server;
    private Process containerd;
    private final List<String> containerIds = new ArrayList<>();

    record Result(int code, String out) {
    }

    /** served: the snapshotter serves layered snapshots itself (bind mounts); else containerd runs the mount program. */
    PrivateContainerd(boolean served) throws Exception {
        for (String tool : List.of("containerd", "ctr", "runc", "mount.fuse3", "containerd-shim-runc-v2")) {
            if (!onPath(tool)) {
                throw new AssertionError(tool + " is not installed: scripts/deps.sh installs containerd, runc and fuse3 for the tests");
            }
        }
        dir = Files.createTempDirectory(Path.of("/tmp"), "strata-ctrd-");
        sock = dir.resolve("containerd.sock");
        program = "strata-overlay-test-" + ProcessHandle.current().pid();
        wrapper = Path.of("/usr/local/sbin", program);
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Files.createDirectories(wrapper.getParent());
            Files.writeString(wrapper, "#!/bin/sh\nexec " + java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                    + System.getProperty("java.class.path") + "' " + OverlayMain.class.getName() + " \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
            snapshotter = served ? Snapshotter.served(dir.resolve("strata")) : new Snapshotter(dir.resolve("strata"), program);
            server = SnapshotServer.start(snapshotter, dir.resolve("strata.sock"), true);
            Files.writeString(dir.resolve("config.toml"), """
                    version = 2
                    root = "%1$s/root"
                    state = "%1$s/state"
                    disabled_plugins = ["io.containerd.grpc.v1.cri"]
                    [grpc]
                      address = "%1$s/containerd.sock"
                    [ttrpc]
                      address = "%1$s/containerd.sock.ttrpc"
                    [proxy_plugins.strata]
                      type = "snapshot"
                      address = "%1$s/strata.sock"
                    """.formatted(dir));
            containerd = new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(Files.exists(sock) && ctr("version").code() == 0)) {
                if (!containerd.isAlive()) throw new AssertionError("containerd exited:\n" + log());
                if (System.nanoTime() > deadline) throw new AssertionError("containerd did not start:\n" + log());
                Thread.sleep(100);
            }
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("containerd.log"));
    }

    /** ctr against this containerd, stdout and stderr together. */
    Result ctr(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", sock.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** {@code ctr run --snapshotter strata --rm IMAGE ID sh -c SCRIPT}, remembering ID for the cleanup. */
    Result runContainer(String image, String id, String script) throws Exception {
        containerIds.add(id);
        return ctr("run", "--snapshotter", "strata", "--rm", image, id, "/bin/sh", "-c", script);
    }

    static Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    /** Mount points under dir in this mount namespace, deepest first. */
    List<String> mounts() throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4].replace("\\040", " ");
            if (mp.startsWith(dir.toString())) found.add(mp);
        }
        found.sort(Comparator.comparingInt(String::length).reversed());
        return found;
    }

    /** Processes whose command line names dir: the shims, the FUSE servers of its mounts, containers' leftovers. */
    private List<ProcessHandle> processesOfDir() {
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && io.strata.launcher.Cli.commandLine(p.pid()).contains(dir.toString()))
                .toList();
    }

    @Override
    public void close() throws Exception {
        if (containerd != null) {
            containerd.destroy();
            if (!containerd.waitFor(15, TimeUnit.SECONDS)) containerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String id : containerIds) {
            run(List.of("runc", "--root", "/run/containerd/runc/default", "delete", "--force", id));
        }
        for (ProcessHandle p : processesOfDir()) {
            if (io.strata.launcher.Cli.commandLine(p.pid()).contains("containerd-shim")) p.destroyForcibly();
        }
        for (String mp : mounts()) run(List.of("umount", "-l", mp));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!processesOfDir().isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
        for (ProcessHandle p : processesOfDir()) p.destroyForcibly();
        if (server != null) server.close();
        if (snapshotter != null) snapshotter.close();
        Files.deleteIfExists(wrapper);
        if (mounts().isEmpty()) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        } else {
            throw new AssertionError("still mounted, " + dir + " kept: " + mounts());
        }
    }
}
