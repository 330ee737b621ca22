package io.strata.launcher.podman;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A podman with a store of its own: graphroot (with libpod's database and volumes), runroot, libpod's tmp dir (exit
 * files, locks, events) all under one directory, selected with CONTAINERS_STORAGE_CONF and CONTAINERS_CONF, so that nothing of the machine's
 * /var/lib/containers or /run/libpod is used. The engine settings are those this machine needs (FACTS.md): runc,
 * cgroupfs, explicit ulimits; containers get no network (no netavark rules left behind) and a cgroup parent of the
 * test's own, so that what podman leaves in /sys/fs/cgroup can be found and removed.
 */
final class PodmanStore {
    static final String PODMAN = "/usr/bin/podman";

    record Result(int code, String out, String err) {
        String both() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    final String name;
    final Path dir;
    final String cgroupParent;
    private final Path storageConf, containersConf;

    /** driverLines: the storage.conf lines after [storage]'s roots, e.g. the overlay driver's mount_program. */
    PodmanStore(String name, Path dir, String cgroupParent, String driverLines) throws IOException {
        this.name = name;
        this.dir = Files.createDirectories(dir);
        // the cleanup podman that conmon runs when a container exits gets --runroot on its command line and refuses
        // one over 50 characters; podman run then waits out conmon's 20 s timeout
        if (dir.resolve("run").toString().length() > 50) throw new IllegalArgumentException("runroot path too long: " + dir);
        this.cgroupParent = cgroupParent;
        storageConf = dir.resolve("storage.conf");
        containersConf = dir.resolve("containers.conf");
        Files.writeString(storageConf, "[storage]\n"
                + "graphroot = \"" + dir.resolve("graph") + "\"\n"
                + "runroot = \"" + dir.resolve("run") + "\"\n"
                + driverLines);
        Files.writeString(containersConf, "[containers]\n"
                + "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
                + "netns = \"none\"\n"
                + "[engine]\n"
                + "runtime = \"runc\"\n"
                + "cgroup_manager = \"cgroupfs\"\n"
                + "events_logger = \"file\"\n"   // under tmp_dir
                + "lock_type = \"file\"\n"       // under tmp_dir, not /dev/shm/libpod_lock shared with other stores
                + "tmp_dir = \"" + dir.resolve("libpod-tmp") + "\"\n");
        // static_dir and volume_path stay at their defaults under graphroot: with static_dir elsewhere, podman run
        // waited out the same 20 s here (the cleanup podman gets --root, not static_dir, nor CONTAINERS_STORAGE_CONF)
    }

    static PodmanStore overlay(Path dir, String cgroupParent, Path mountProgram) throws IOException {
        return new PodmanStore("overlay+strata-overlay", dir, cgroupParent, "driver = \"overlay\"\n"
                + "[storage.options.overlay]\n"
                + "mount_program = \"" + mountProgram + "\"\n");
    }

    static PodmanStore vfs(Path dir, String cgroupParent) throws IOException {
        return new PodmanStore("vfs", dir, cgroupParent, "driver = \"vfs\"\n");
    }

    Result podman(String... args) {
        return podman(180, args);
    }

    Result podman(int timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PODMAN));
        cmd.addAll(Arrays.asList(args));
        try {
            Path out = Files.createTempFile(dir, "out-", ".txt"), err = Files.createTempFile(dir, "err-", ".txt");
            // in the store's directory: conmon writes a file named "oom" into its working directory on an OOM kill
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Map<String, String> env = pb.environment();
            env.put("CONTAINERS_CONF", containersConf.toString());
            env.put("CONTAINERS_STORAGE_CONF", storageConf.toString());
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("podman " + String.join(" ", args) + " (" + name + ") took over " + timeoutSeconds + " s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            System.out.printf("%6d ms  exit %3d  podman %s  (%s)%n", (System.nanoTime() - t0) / 1_000_000, r.code(),
                    String.join(" ", args).replace('\n', ' '), name);
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError("cannot run podman: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** podman that must succeed: its stdout. */
    String ok(String... args) {
        Result r = podman(args);
        if (r.code() != 0) throw new AssertionError("podman " + String.join(" ", args) + " (" + name + ") failed: " + r.both());
        return r.out();
    }

    /** podman run with the test's cgroup parent: run ARGS... */
    Result run(String... args) {
        List<String> a = new ArrayList<>(List.of("run", "--cgroup-parent", cgroupParent));
        a.addAll(Arrays.asList(args));
        return podman(a.toArray(String[]::new));
    }
}
