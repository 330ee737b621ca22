package io.strata.launcher.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.testimages.Busybox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Containers for strata-nsexec's tests: a rootfs from Debian's busybox-static, config.json bundles written with
 * Jackson (docker's defaults: namespaces, mounts, masked and read-only paths, capabilities), the helper run as a
 * process, test-made cgroup directories, and {@link #close()}, which removes what a test left (even a failing one)
 * and then fails if anything had outlived it: a mount under the test's directory, a helper or container process, a
 * cgroup directory.
 */
final class Containers implements AutoCloseable {
    static final String DOCKER_CAPS_HEX = "00000000a80425fb";
    static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware");
    static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    static final String HOSTNAME = "strata-test";
    private static final long WAIT_SECONDS = 60;

    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
    }

    private final Path base;
    private final Path helper;
    private final Path rootfs;
    private final Instant started = Instant.now();
    private final List<Path> cgroups = new ArrayList<>();
    private final List<Path> pidFiles = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private int bundles;

    Containers(Path base) {
        this.base = base;
        try {
            // the test's temp dir is 0700: a container root mapped to another host uid must still reach its rootfs
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            this.helper = NsexecBinary.extractTo(base.resolve("bin"));
            this.rootfs = busyboxRootfs(base.resolve("rootfs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    Path helper() {
        return helper;
    }

    Path base() {
        return base;
    }

    /** bin/busybox and a link per applet, /etc/passwd and group, and the usual mount points. */
    private static Path busyboxRootfs(Path root) throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(Busybox.path(), bin.resolve("busybox"));
        Files.setPosixFilePermissions(bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String applet : host(Busybox.path().toString(), "--list").out().split("\n"))
            if (!applet.isBlank() && !applet.equals("busybox")) Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        for (String dir : List.of("proc", "sys", "dev", "root", "out")) Files.createDirectories(root.resolve(dir));
        host("chmod", "1777", Files.createDirectories(root.resolve("tmp")).toString());
        return root;
    }

    /** docker's defaults as runc reads them: `runc spec`, docker's capabilities, a cgroup mount, a hostname. */
    ObjectNode config(String... args) {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode p = c.putObject("process");
        p.put("terminal", false);
        p.putObject("user").put("uid", 0).put("gid", 0);
        strings(p.putArray("args"), List.of(args));
        strings(p.putArray("env"), List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"));
        p.put("cwd", "/");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) strings(caps.putArray(set), DOCKER_CAPS);
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        p.put("noNewPrivileges", true);
        c.putObject("root").put("path", rootfs.toString()).put("readonly", true);
        c.put("hostname", HOSTNAME);
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        ObjectNode linux = c.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String type : List.of("pid", "network", "ipc", "uts", "mount")) ns.addObject().put("type", type);
        strings(linux.putArray("maskedPaths"), MASKED);
        strings(linux.putArray("readonlyPaths"), READONLY);
        linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
        return c;
    }

    static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", destination).put("type", type).put("source", source);
        if (options.length > 0) strings(m.putArray("options"), List.of(options));
    }

    /** Binds a fresh host directory at /out (read-write) so that the container can leave files for the test. */
    Path outDir(ObjectNode config) throws IOException {
        Path out = Files.createDirectories(base.resolve("out-" + bundles));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        mount((ArrayNode) config.get("mounts"), "/out", "bind", out.toString(), "rbind", "rw");
        return out;
    }

    static void userNamespace(ObjectNode config, int hostId) {
        ObjectNode linux = (ObjectNode) config.get("linux");
        ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
        for (String key : List.of("uidMappings", "gidMappings"))
            linux.putArray(key).addObject().put("containerID", 0).put("hostID", hostId).put("size", 65536);
    }

    static void cgroupNamespace(ObjectNode config) {
        ((ArrayNode) config.get("linux").get("namespaces")).addObject().put("type", "cgroup");
    }

    /** A foreground helper whose container is up: its command has touched /out/ready. */
    record Running(Process helper, long pid, Path out) {
    }

    /** Starts `run` with /out bound (see {@link #outDir}) and waits until the command touches /out/ready. */
    Running startReady(ObjectNode config, String... options) throws IOException, InterruptedException {
        Path out = outDir(config);
        Path bundle = bundle(config);
        Process helper = start(runCommand(bundle, options));
        awaitFile(out.resolve("ready"));
        return new Running(helper, Long.parseLong(awaitFile(bundle.resolve("pid")).trim()), out);
    }

    Path bundle(ObjectNode config) {
        try {
            Path dir = Files.createDirectories(base.resolve("bundle-" + ++bundles));
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** `strata-nsexec run --bundle B --pid-file B/pid OPTIONS…` in the foreground, to its end. */
    Result run(ObjectNode config, String... options) {
        return exec(runCommand(bundle(config), options));
    }

    List<String> runCommand(Path bundle, String... options) {
        Path pidFile = bundle.resolve("pid");
        pidFiles.add(pidFile);
        List<String> cmd = new ArrayList<>(List.of(helper.toString(), "run", "--bundle", bundle.toString(),
                "--pid-file", pidFile.toString()));
        cmd.addAll(List.of(options));
        return cmd;
    }

    /** Starts a command with stdout and stderr to files (read them with {@link #output}); stdin is a pipe. */
    Process start(List<String> cmd) {
        try {
            Path out = base.resolve("process-" + processes.size());
            Process p = new ProcessBuilder(cmd).redirectOutput(out.resolveSibling(out.getFileName() + ".out").toFile())
                    .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile()).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result finish(Process p) {
        try {
            if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("still running after " + WAIT_SECONDS + " s: " + p.info().commandLine().orElse("?"));
            }
            int i = processes.indexOf(p);
            return new Result(p.exitValue(), output(i, "out"), output(i, "err"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String output(int i, String kind) {
        try {
            return Files.readString(base.resolve("process-" + i + "." + kind));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Result exec(List<String> cmd) {
        Process p = start(cmd);
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the process may be gone already
        }
        return finish(p);
    }

    /** Runs a short host command outside the test's bookkeeping (busybox --list, umount, runc delete). */
    static Result host(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A v1 cgroup directory made by the test (removed by close()), with the given control files written. */
    Path cgroup(String controller, Map<String, String> limits) throws IOException {
        Path dir = Path.of("/sys/fs/cgroup", controller, "strata-test-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(dir);
        cgroups.add(dir);
        for (Map.Entry<String, String> e : limits.entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue());
        return dir;
    }

    /** Waits (bounded) for a file the container or the detached helper writes. */
    static String awaitFile(Path file) throws IOException, InterruptedException {
        for (int i = 0; i < WAIT_SECONDS * 20 && !Files.exists(file); i++) Thread.sleep(50);
        assertTrue(Files.exists(file), "never written: " + file);
        return Files.readString(file);
    }

    static String readLink(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** Alive and not a zombie (a container's pid 1 whose helper was killed is reaped by the host's init, later). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits (bounded) until a process has ended. */
    static boolean awaitEnd(long pid) throws InterruptedException {
        for (int i = 0; i < WAIT_SECONDS * 20 && running(pid); i++) Thread.sleep(50);
        return !running(pid);
    }

    /** Container processes this test started that are still alive (their pid files name them). */
    private List<ProcessHandle> leftoverContainers() {
        String ourPidNs = readLink(Path.of("/proc/self/ns/pid"));
        List<ProcessHandle> left = new ArrayList<>();
        for (Path pidFile : pidFiles) {
            String text;
            try {
                text = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
            } catch (IOException e) {
                continue;
            }
            if (text.isEmpty()) continue;
            ProcessHandle.of(Long.parseLong(text))
                    .filter(h -> running(h.pid()))
                    .filter(h -> h.info().startInstant().map(t -> !t.isBefore(started.minusSeconds(1))).orElse(true))
                    .filter(h -> !readLink(Path.of("/proc", text, "ns", "pid")).equals(ourPidNs))
                    .ifPresent(left::add);
        }
        return left;
    }

    /** Helpers (foreground or detached) and runc processes whose command line names this test's directory. */
    private List<ProcessHandle> leftoverHelpers() {
        String mark = base.toString();
        return ProcessHandle.allProcesses()
                .filter(h -> io.strata.launcher.Cli.commandLine(h.pid()).contains(mark) && running(h.pid()))
                .toList();
    }

    private List<String> mountsUnderBase() throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4].replace("\\040", " ");
            if (point.startsWith(base.toString())) found.add(point);
        }
        return found;
    }

    private boolean waitUntilGone() throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (leftoverContainers().isEmpty() && leftoverHelpers().isEmpty()) return true;
            Thread.sleep(50);
        }
        return false;
    }

    /** Removes what is left, then fails if anything was. */
    @Override
    public void close() throws Exception {
        List<String> leaks = new ArrayList<>();
        try {
            if (!waitUntilGone()) {
                leftoverHelpers().forEach(h -> leaks.add("process " + h.pid() + " " + h.info().commandLine().orElse("")));
                leftoverContainers().forEach(h -> leaks.add("container process " + h.pid()));
                leftoverHelpers().forEach(ProcessHandle::destroyForcibly);
                leftoverContainers().forEach(ProcessHandle::destroyForcibly);
                waitUntilGone();
            }
            processes.forEach(Process::destroyForcibly);
        } finally {
            for (Path cg : cgroups) {
                for (int i = 0; i < 100 && Files.exists(cg); i++) {
                    try {
                        Files.delete(cg); // rmdir: the kernel lets go of a cgroup shortly after its last task
                    } catch (IOException busy) {
                        Thread.sleep(50);
                    }
                }
                if (Files.exists(cg)) leaks.add("cgroup " + cg);
            }
            List<String> mounts = mountsUnderBase();
            for (String m : mounts) host("umount", "-l", m);
            mounts.forEach(m -> leaks.add("mount " + m));
        }
        assertEquals(List.of(), leaks, "left behind by the test");
    }
}
