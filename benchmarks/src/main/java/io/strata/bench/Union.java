package io.strata.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One column of the table: a union filesystem mounted at {@code ROOT/LABEL/mnt} over its own copy of the lower trees
 * ({@code lower1} on top of {@code lower2}) with a fresh upper/work per repetition.
 */
abstract class Union {
    final String label;
    final Path root, lower1, lower2, upper, work, mnt;
    private boolean mounted;
    /** Peak VmHWM (KiB) over every server process this column has started; -1 for kernel mounts. */
    long peakHwmKib = -1;
    /** The mountinfo line of the first mount, for the configuration section. */
    String mountInfo = "";
    /** The server's argv at the first mount (FUSE columns). */
    String serverArgv = "";

    Union(String label, Path scratch) {
        this.label = label;
        this.root = scratch.resolve(label.replaceAll("[^A-Za-z0-9_.+-]", "_"));
        this.lower1 = root.resolve("lower1");
        this.lower2 = root.resolve("lower2");
        this.upper = root.resolve("upper");
        this.work = root.resolve("work");
        this.mnt = root.resolve("mnt");
    }

    /** The command that mounts it and returns once the mount is live. */
    abstract List<String> mountCommand();

    /** Environment changes for the mount command (an empty value removes a variable). */
    Map<String, String> mountEnv() {
        return Map.of();
    }

    /** The FUSE server serving this mount, if it is a FUSE mount. */
    OptionalLong serverPid() {
        return OptionalLong.empty();
    }

    /** False when the server outlives its mounts (the store daemon serves every container mount). */
    boolean serverExitsOnUnmount() {
        return true;
    }

    /** At the end of the run, after the last unmount: stop what outlives the mounts. Never throws. */
    List<String> close() {
        return List.of();
    }

    /** How this column is set up, for the configuration section. */
    abstract String describe();

    /** Lower directories other than lower1:lower2 (the scaling runs' N layers), top first; null = lower1:lower2. */
    private List<Path> lowers;

    void lowers(List<Path> topFirst) {
        this.lowers = List.copyOf(topFirst);
    }

    String lowerdir() {
        if (lowers == null) return lower1 + ":" + lower2;
        return String.join(":", lowers.stream().map(Path::toString).toList());
    }

    /** The lowers by name only, relative to {@link #mountDir()}. */
    String lowerdirNames() {
        return String.join(":", lowers.stream().map(l -> l.getFileName().toString()).toList());
    }

    /**
     * The directory the mount command runs in: the lowers' common parent when there are many, so that the kernel's
     * mount options (one page) can name them relative to it; null = inherited.
     */
    Path mountDir() {
        if (lowers == null || lowers.size() <= 2) return null;
        Path parent = lowers.get(0).getParent();
        return lowers.stream().allMatch(l -> parent.equals(l.getParent())) ? parent : null;
    }

    boolean isMounted() {
        return mounted;
    }

    /** Empty upper and work directories (the union must be unmounted). */
    void freshUpper() {
        if (mounted) throw new IllegalStateException(label + " is mounted");
        Shell.removeTree(upper);
        Shell.removeTree(work);
        try {
            Files.createDirectories(upper);
            Files.createDirectories(work);
            Files.createDirectories(mnt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mounts; returns the seconds from starting the mount command until it returned with the mount live. */
    double mount() {
        if (mounted) throw new IllegalStateException(label + " is already mounted");
        List<String> cmd = mountCommand();
        Shell.Result r = Shell.run(cmd, mountEnv(), false, mountDir());
        if (r.exit() != 0) {
            cleanupAfterFailedMount();
            throw new IllegalStateException(label + ": " + String.join(" ", cmd) + " exited " + r.exit() + ": " + (r.err() + r.out()).trim());
        }
        mounted = true; // from here on, unmount() must run
        String line = MountInfo.line(mnt);
        if (line == null) throw new IllegalStateException(label + ": mount command returned but " + mnt + " is not mounted");
        if (mountInfo.isEmpty()) mountInfo = line;
        if (serverArgv.isEmpty()) serverPid().ifPresent(pid -> serverArgv = String.join(" ", ServerProcess.argv(pid)));
        return r.seconds();
    }

    private void cleanupAfterFailedMount() {
        if (MountInfo.line(mnt) != null) Shell.run(List.of("umount", "-l", mnt.toString()));
        serverPid().ifPresent(pid -> ServerProcess.awaitExit(pid, 0));
    }

    /** VmRSS and VmHWM of the server now (KiB), or null for a kernel mount. */
    long[] serverMemoryKib() {
        OptionalLong pid = serverPid();
        if (pid.isEmpty()) return null;
        return new long[]{ServerProcess.statusKib(pid.getAsLong(), "VmRSS"), ServerProcess.statusKib(pid.getAsLong(), "VmHWM")};
    }

    /**
     * Unmounts with plain umount and waits for the server to exit by itself (it is killed after 30 s, which is
     * reported). Never throws: it runs in finally blocks.
     */
    List<String> unmount() {
        List<String> problems = new ArrayList<>();
        if (!mounted) return problems;
        OptionalLong pid = serverPid();
        pid.ifPresent(p -> {
            long hwm = ServerProcess.statusKib(p, "VmHWM");
            peakHwmKib = Math.max(peakHwmKib, hwm);
        });
        Shell.Result r = Shell.run(List.of("umount", mnt.toString()));
        if (r.exit() != 0) {
            problems.add(label + ": umount failed (" + r.err().trim() + "), detaching lazily");
            for (int i = 0; i < 50 && MountInfo.line(mnt) != null; i++) { // busy for a moment (a closing file)?
                ServerProcess.sleep(100);
                if (Shell.run(List.of("umount", mnt.toString())).exit() == 0) break;
            }
            if (MountInfo.line(mnt) != null) Shell.run(List.of("umount", "-l", mnt.toString()));
        }
        mounted = MountInfo.line(mnt) != null;
        if (mounted) problems.add(label + ": still mounted at " + mnt);
        if (pid.isPresent() && serverExitsOnUnmount() && !ServerProcess.awaitExit(pid.getAsLong(), 30_000))
            problems.add(label + ": server " + pid.getAsLong() + " did not exit within 30 s of umount; killed");
        return problems;
    }

    /** Kernel overlayfs, the reference: redirect_dir=on,metacopy=on as asked by the issue. */
    static final class KernelOverlay extends Union {
        KernelOverlay(Path scratch) {
            super("overlayfs", scratch);
        }

        @Override
        List<String> mountCommand() {
            String lowerdir = mountDir() == null ? lowerdir() : lowerdirNames();
            return List.of("mount", "-t", "overlay", "overlay", "-o",
                    "lowerdir=" + lowerdir + ",upperdir=" + upper + ",workdir=" + work + ",redirect_dir=on,metacopy=on",
                    mnt.toString());
        }

        @Override
        String describe() {
            return "`" + String.join(" ", mountCommand()) + "`";
        }
    }

    /** fuse-overlayfs as packaged by Debian, with its defaults (it daemonizes once the mount is live). */
    static final class FuseOverlayfs extends Union {
        FuseOverlayfs(Path scratch) {
            super("fuse-overlayfs", scratch);
        }

        @Override
        List<String> mountCommand() {
            return List.of("fuse-overlayfs", "-o", "lowerdir=" + lowerdir() + ",upperdir=" + upper + ",workdir=" + work,
                    mnt.toString());
        }

        @Override
        OptionalLong serverPid() {
            String mp = mnt.toString();
            return ServerProcess.single(ServerProcess.find(argv -> argv.get(0).endsWith("fuse-overlayfs") && argv.contains(mp)));
        }

        @Override
        String describe() {
            return Shell.output("dpkg-query", "-W", "fuse-overlayfs").replace('\t', ' ') + ": `"
                    + String.join(" ", mountCommand()) + "`";
        }
    }

    /**
     * Strata as a user starts it: `./strata mount -o ... MNT`, whose serving JVM scripts/serve-mount.sh starts (its
     * path from -Dstrata.home, which run.sh sets), else through the CLI jar: `java -jar strata.jar mount -o ... MNT`
     * (a CLI JVM that starts the serving one).
     */
    static final class Strata extends Union {
        private static final Path SERVE_SCRIPT = System.getProperty("strata.home") == null ? null
                : Path.of(System.getProperty("strata.home"), "scripts", "serve-mount.sh");

        private final Path jar;
        private final String cliJvm, serverJvm, extraOpts;

        Strata(String label, Path scratch, Path jar, String cliJvm, String serverJvm, String extraOpts) {
            super(label, scratch);
            this.jar = jar;
            this.cliJvm = cliJvm;
            this.serverJvm = serverJvm == null ? "" : serverJvm.trim();
            this.extraOpts = extraOpts == null ? "" : extraOpts.trim();
        }

        String serverJvm() {
            return serverJvm;
        }

        String extraOpts() {
            return extraOpts;
        }

        @Override
        List<String> mountCommand() {
            List<String> cmd = new ArrayList<>();
            if (SERVE_SCRIPT != null && java.nio.file.Files.isExecutable(SERVE_SCRIPT)) {
                cmd.addAll(List.of(SERVE_SCRIPT.toString(), jar.toString()));
            } else {
                cmd.add("java");
                cmd.addAll(Shell.words(cliJvm));
                cmd.addAll(List.of("-jar", jar.toString()));
            }
            cmd.addAll(List.of("mount", "-o", "lowerdir=" + lowerdir() + ",upperdir=" + upper + ",workdir=" + work
                    + (extraOpts.isEmpty() ? "" : "," + extraOpts), mnt.toString()));
            return cmd;
        }

        @Override
        Map<String, String> mountEnv() {
            // empty: unset, so the caller's environment cannot leak in
            return Map.of("STRATA_JVM_OPTS", serverJvm, "STRATA_SERVE_ARCHIVE", "");
        }

        @Override
        OptionalLong serverPid() {
            String mp = mnt.toString();
            return ServerProcess.single(ServerProcess.find(argv -> argv.contains(mp)
                    && (argv.contains("-f") || argv.contains("--ready-fd=3"))
                    && argv.stream().anyMatch(a -> a.contains("io.strata.launcher") || a.endsWith("strata.jar"))));
        }

        @Override
        String describe() {
            return "STRATA_JVM_OPTS=`" + serverJvm + "` extra -o `" + extraOpts + "`: `" + String.join(" ", mountCommand()) + "`";
        }
    }

    /**
     * Strata with its RocksDB block store as the writable layer: a container on the same lowers, created fresh per
     * repetition (`strata rm`, `strata create --lowerdir`), mounted by the store daemon (`strata mount C MNT`), which
     * stays up between mounts and is stopped at the end of the run.
     */
    static final class StrataStore extends Union {
        private final Path jar, store;
        private final String cliJvm, container, from;

        StrataStore(Path scratch, Path jar, String cliJvm) {
            this("strata-store", scratch, jar, cliJvm, null, "c", null);
        }

        /**
         * store: null = its own under the column's root; from: C@SNAP to make the container a clone of that snapshot
         * (`strata create --from`), null = a container on this column's lowers.
         */
        StrataStore(String label, Path scratch, Path jar, String cliJvm, Path store, String container, String from) {
            super(label, scratch);
            this.jar = jar;
            this.cliJvm = cliJvm;
            this.store = store == null ? root.resolve("store") : store;
            this.container = container;
            this.from = from;
        }

        Path store() {
            return store;
        }

        List<String> cli(String... args) {
            List<String> cmd = new ArrayList<>(List.of("java"));
            cmd.addAll(Shell.words(cliJvm));
            cmd.addAll(List.of("-jar", jar.toString()));
            cmd.addAll(List.of(args));
            cmd.add("--store=" + store);
            return cmd;
        }

        @Override
        void freshUpper() {
            super.freshUpper();
            Shell.run(cli("rm", container));
            Shell.Result r = Shell.run(from == null ? cli("create", "--name", container, "--lowerdir", lowerdir())
                    : cli("create", "--name", container, "--from", from));
            if (r.exit() != 0) throw new IllegalStateException(label + ": create failed: " + (r.err() + r.out()).trim());
        }

        @Override
        List<String> mountCommand() {
            return cli("mount", container, mnt.toString());
        }

        @Override
        OptionalLong serverPid() {
            String s = "--store=" + store;
            return ServerProcess.single(ServerProcess.find(argv -> argv.contains("daemon") && argv.contains(store.toString())
                    || argv.contains("daemon") && argv.contains(s)));
        }

        @Override
        boolean serverExitsOnUnmount() {
            return false;
        }

        @Override
        List<String> close() {
            List<String> problems = new ArrayList<>();
            if (!Files.exists(store.resolve("strata.sock"))) return problems;
            Shell.Result r = Shell.run(List.of("java", "-jar", jar.toString(), "daemon", "stop", "--store=" + store));
            if (r.exit() != 0) problems.add(label + ": daemon stop failed: " + (r.err() + r.out()).trim());
            return problems;
        }

        @Override
        String describe() {
            return "block store at " + store + ": `" + String.join(" ", from == null
                    ? cli("create", "--name", container, "--lowerdir", lowerdir()) : cli("create", "--name", container, "--from", from))
                    + "`, then `" + String.join(" ", mountCommand()) + "` (served by the store daemon)";
        }
    }
}
