package io.strata.launcher.run;

import io.strata.fuse.MountTable;
import io.strata.launcher.Cli;
import io.strata.launcher.Main;
import io.strata.launcher.run.cgroup.Cgroup;
import io.strata.launcher.run.cgroup.Hierarchies;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code strata run} as a user runs it, for the tests: a store with the bundled 3-layer test image imported as
 * {@value #IMAGE}, and the CLI as its own process (a JVM of its own: the helper gets its real stdio, signals and
 * kill -9 reach it as they would a user's). {@link #close()} stops the store's daemon, then removes whatever a run
 * left — and fails the test if there was anything: a mount under the store's runtime dir, a cgroup of the store, a
 * process of a run. With {@code client}, {@code strata run} goes through the native client as the ./strata wrapper
 * runs it while the store's daemon is up (strata-nsexec client, the daemon started here first); its fallback, the JVM
 * CLI, is a script that counts its uses ({@link #fallbacks()}).
 */
final class StrataRuns implements AutoCloseable {
    static final String IMAGE = "t:1";
    private static final long WAIT_SECONDS = 120;

    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private final Path base;
    final Path store;
    private final boolean client;
    private final List<Process> started = new ArrayList<>();

    StrataRuns(Path base) {
        this(base, false);
    }

    StrataRuns(Path base, boolean client) {
        this.base = base;
        this.store = base.resolve("store");
        this.client = client;
        try {
            Path archive = base.resolve("three.docker.tar");
            ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
            Cli.Result r = Cli.run("image", "import", archive.toString(), "--name", IMAGE, "--store", store.toString());
            assertEquals(0, r.code(), r.err());
            if (client) {
                StringBuilder jvm = new StringBuilder("#!/bin/sh\necho \"$*\" >> '" + fallbackLog() + "'\nexec");
                for (String a : command()) jvm.append(" '").append(a.replace("'", "'\\''")).append("'");
                Files.writeString(fallbackScript(), jvm.append(" \"$@\"\n").toString());
                Files.setPosixFilePermissions(fallbackScript(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                assertEquals(0, Cli.run("ps", "--store", store.toString()).code(), "the daemon started");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path fallbackScript() {
        return base.resolve("strata-jvm");
    }

    private Path fallbackLog() {
        return base.resolve("fallbacks");
    }

    /** The runs the native client handed to the JVM CLI (its fallback), one line each. */
    List<String> fallbacks() {
        try {
            return Files.exists(fallbackLog()) ? Files.readAllLines(fallbackLog()) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The CLI's argv with --store after the command's name (run and exec stop at their first positional); run through
     * the native client in client mode.
     */
    List<String> command(String... args) {
        if (client && args.length > 0 && args[0].equals("run")) {
            List<String> cmd = new ArrayList<>(List.of(NsexecBinary.path().toString(), "client", "--fallback",
                    fallbackScript().toString(), "run", "--store=" + store));
            cmd.addAll(List.of(args).subList(1, args.length));
            return cmd;
        }
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        if (args.length > 0) {
            cmd.add(args[0]);
            if (!args[0].equals("image")) cmd.add("--store=" + store);
            cmd.addAll(List.of(args).subList(1, args.length));
        }
        return cmd;
    }

    /** Starts the CLI; stdout and stderr go to files (read them with {@link #finish}). */
    Process start(String... args) {
        try {
            int n = started.size();
            Process p = new ProcessBuilder(withDefaultSignals(command(args))).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(base.resolve("cli-" + n + ".out").toFile())
                    .redirectError(base.resolve("cli-" + n + ".err").toFile()).start();
            started.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The command run as from a shell prompt: SIGHUP, SIGINT, SIGTERM and SIGQUIT at their defaults (perl, Essential
     * in Debian, resets them and execs: same pid). A suite started under nohup, or with & by a script, has some of them
     * ignored, and a CLI that inherits an ignored SIGHUP rightly ignores it (the JVM installs no handler for an ignored
     * shutdown signal, as docker's CLI under nohup does not pass hangups on), which the signal tests do not expect.
     */
    private static List<String> withDefaultSignals(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("perl", "-e",
                "$SIG{$_} = 'DEFAULT' for qw(HUP INT TERM QUIT); exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\""));
        cmd.addAll(command);
        return cmd;
    }

    /** What a started CLI printed so far. */
    String out(Process p) {
        return read(base.resolve("cli-" + started.indexOf(p) + ".out"));
    }

    Result finish(Process p) {
        try {
            if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                String why = hangReport(p);
                p.destroyForcibly();
                fail("strata still running after " + WAIT_SECONDS + " s: " + Cli.commandLine(p.pid()) + "\n" + why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        int n = started.indexOf(p);
        return new Result(p.exitValue(), read(base.resolve("cli-" + n + ".out")), read(base.resolve("cli-" + n + ".err")));
    }

    /**
     * What a hung CLI and this store's daemon are doing: their threads (jstack), the CLI's output so far, the end of
     * daemon.log; for the failure message.
     */
    private String hangReport(Process p) {
        StringBuilder b = new StringBuilder();
        List<Long> pids = new ArrayList<>(List.of(p.pid()));
        ProcessHandle.allProcesses().filter(h -> h.pid() != p.pid())
                .filter(h -> Cli.commandLine(h.pid()).contains(store.toString())).forEach(h -> pids.add(h.pid()));
        for (long pid : pids) {
            b.append("--- ").append(pid).append(": ").append(Cli.commandLine(pid)).append('\n');
            try {
                Process j = new ProcessBuilder("jstack", Long.toString(pid)).redirectErrorStream(true).start();
                String dump = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                j.waitFor(30, TimeUnit.SECONDS);
                b.append(dump.length() > 20_000 ? dump.substring(0, 20_000) : dump);
            } catch (IOException | InterruptedException e) {
                b.append("(no jstack: ").append(e).append(")\n");
            }
        }
        int n = started.indexOf(p);
        b.append("--- out: ").append(read(base.resolve("cli-" + n + ".out"))).append("\n--- err: ")
                .append(read(base.resolve("cli-" + n + ".err")));
        String log = read(store.resolve("daemon.log"));
        b.append("\n--- daemon.log: ").append(log.length() > 5_000 ? log.substring(log.length() - 5_000) : log);
        return b.toString();
    }

    /** strata ARGS…, to its end. */
    Result strata(String... args) {
        return finish(start(args));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The runtime dir of container name in this store. */
    RunDir runDir(String name) {
        return RunDir.of(store, name);
    }

    /** The cgroup of container name (as it is now: it may be gone). */
    Cgroup cgroup(String name) {
        return Hierarchies.detect().open(RunDir.cgroupId(store.toAbsolutePath().normalize(), name));
    }

    /** ps's line of container name, or null. */
    String ps(String name) {
        for (String l : strata("ps").out().split("\n")) if (l.startsWith(name + "\t")) return l;
        return null;
    }

    /** Polls until cond holds (true) or seconds pass (false). */
    static boolean await(BooleanSupplier cond, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) return true;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return cond.getAsBoolean();
    }

    // ---- what a run may leave behind ----

    /** Mounts under this store's runtime dirs. */
    List<String> mounts() {
        String dir = RunDir.storeDir(store.toAbsolutePath().normalize()).toString();
        return MountTable.mountPoints().stream().filter(m -> m.startsWith(dir + "/")).toList();
    }

    /** This store's container cgroups (strata/STOREKEY-NAME in any hierarchy), and a strata parent left empty. */
    List<Path> cgroups() {
        String prefix = RunDir.storeKey(store.toAbsolutePath().normalize()) + "-";
        Hierarchies h = Hierarchies.detect();
        List<Path> roots = new ArrayList<>(h.v1Mounts().values());
        if (h.v2Root() != null) roots.add(h.v2Root());
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            Path parent = r.resolve(Cgroup.PARENT);
            if (!Files.isDirectory(parent)) continue;
            try (var s = Files.list(parent)) {
                List<Path> children = s.filter(Files::isDirectory).toList();
                children.stream().filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(out::add);
                if (children.isEmpty()) out.add(parent); // the last container's cgroup takes the parent with it
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return out;
    }

    /** Processes of this store's runs (helpers name their bundle in the store's runtime dir) and the CLIs started here. */
    List<ProcessHandle> processes() {
        String dir = RunDir.storeDir(store.toAbsolutePath().normalize()).toString();
        List<ProcessHandle> out = new ArrayList<>(ProcessHandle.allProcesses()
                .filter(p -> io.strata.launcher.Cli.commandLine(p.pid()).contains(dir)).filter(ProcessHandle::isAlive).toList());
        for (Process p : started) if (p.isAlive()) out.add(p.toHandle());
        for (Path cg : cgroups()) for (Long pid : pidsIn(cg))
            ProcessHandle.of(pid).ifPresent(out::add);
        return out;
    }

    private static List<Long> pidsIn(Path cgroupDir) {
        try {
            return Files.readAllLines(cgroupDir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Nothing of a run is left: mounts, cgroups, processes (waited for a few seconds: cleanup is asynchronous). */
    void assertNothingLeft() {
        boolean clean = await(() -> mounts().isEmpty() && cgroups().isEmpty() && processes().isEmpty(), 10);
        assertTrue(clean, "left behind: mounts " + mounts() + ", cgroups " + cgroups() + ", processes "
                + processes().stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    }

    /** The store goes with the test: so do the states and logs its exited runs keep in /run (never into a mount). */
    private void forgetRuns() {
        Path dir = RunDir.storeDir(store.toAbsolutePath().normalize());
        if (!Files.isDirectory(dir) || !mounts().isEmpty()) return;
        try (var runs = Files.list(dir)) {
            for (Path run : runs.toList()) {
                try (var files = Files.list(run)) {
                    for (Path f : files.toList()) Files.delete(f); // files, and rootfs/ only when empty (rmdir)
                }
                Files.delete(run);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + dir, e);
        }
    }

    @Override
    public void close() {
        for (Process p : started) if (p.isAlive()) p.destroyForcibly();
        if (Files.exists(store.resolve("strata.sock"))) Cli.run("daemon", "stop", "--store", store.toString());
        List<String> leftMounts = mounts();
        List<Path> leftCgroups = cgroups();
        List<ProcessHandle> leftProcesses = processes();
        // remove it all whatever the verdict, so that one failure does not spill into the next test
        for (ProcessHandle p : leftProcesses) p.destroyForcibly();
        for (Path cg : leftCgroups) {
            for (Long pid : pidsIn(cg)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            await(() -> {
                try {
                    Files.deleteIfExists(cg);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }, 10);
        }
        for (String m : leftMounts) MountTable.unmount(Path.of(m), true);
        forgetRuns();
        assertTrue(leftMounts.isEmpty() && leftCgroups.isEmpty() && leftProcesses.isEmpty(), "left behind after the daemon stopped: mounts "
                + leftMounts + ", cgroups " + leftCgroups + ", processes " + leftProcesses.stream().map(ProcessHandle::pid).toList());
    }
}
