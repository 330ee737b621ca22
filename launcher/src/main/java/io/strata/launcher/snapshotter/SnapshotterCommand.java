package io.strata.launcher.snapshotter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code strata snapshotter --address SOCK [--root DIR]}: a containerd proxy snapshotter. containerd's config:
 * <pre>
 * [proxy_plugins.strata]
 *   type = "snapshot"
 *   address = "SOCK"
 * </pre>
 */
@Command(name = "snapshotter", description = "Serve containerd's snapshots API (a proxy snapshotter) on a unix socket.")
public final class SnapshotterCommand implements Callable<Integer> {
    /** dash's PATH when none is set: where mount.fuse3's /bin/sh finds the mount program. */
    static final List<String> SH_DEFAULT_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    @Option(names = "--address", required = true, paramLabel = "SOCK", description = "Unix socket to serve on (replaced if stale).")
    Path address;

    @Option(names = "--root", paramLabel = "DIR", defaultValue = "/var/lib/strata/snapshotter",
            description = "Snapshot directories and metadata (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--mount-program", paramLabel = "NAME", arity = "0..1", fallbackValue = Snapshotter.DEFAULT_PROGRAM,
            description = "Let containerd mount layered snapshots itself as type fuse3.NAME (mount.fuse3 runs NAME, which must be on sh's "
                    + "default PATH; NAME defaults to " + Snapshotter.DEFAULT_PROGRAM + "). Without it, this process serves them and "
                    + "containerd bind-mounts them (no JVM start per container).")
    String program;

    @Option(names = {"-v", "--verbose"}, description = "Log every call on stderr.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        Snapshotter snapshotter;
        if (program != null) {
            if (program.contains("/") || program.contains(".")) {
                throw new IllegalArgumentException("--mount-program is a name on sh's PATH, without / or dots: " + program);
            }
            if (SH_DEFAULT_PATH.stream().noneMatch(d -> Files.isExecutable(Path.of(d, program)))) {
                System.err.println("strata snapshotter: warning: " + program + " is not in " + String.join(":", SH_DEFAULT_PATH)
                        + "; containerd's mounts of layered snapshots will fail (link bin/strata-overlay there)");
            }
            snapshotter = new Snapshotter(root, program);
        } else {
            snapshotter = Snapshotter.served(root);
        }
        SnapshotServer server = SnapshotServer.start(snapshotter, address, verbose);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            snapshotter.close();
        }));
        System.err.println("strata snapshotter: serving " + snapshotter.root() + " on " + address.toAbsolutePath());
        server.awaitTermination();
        return 0;
    }
}
