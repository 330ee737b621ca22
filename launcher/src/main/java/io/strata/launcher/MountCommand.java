package io.strata.launcher;

import io.strata.core.errno.FsException;
import io.strata.core.layer.LayerStack;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.core.usage.UpperUsage;
import io.strata.fuse.FuseMount;
import io.strata.fuse.MountTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code strata mount -o lowerdir=L1:L2[,upperdir=U,workdir=W][,ro] MOUNTPOINT}: fuse-overlayfs' argv; and
 * {@code strata mount CONTAINER[@SNAPSHOT] MOUNTPOINT}: a block-store container, served by the store daemon.
 */
@Command(name = "mount", description = "Mount a union of directory layers (fuse-overlayfs options), or a container: mount C[@SNAP] MOUNTPOINT.")
public final class MountCommand implements Callable<Integer> {
    @Option(names = "--store", paramLabel = "DIR", description = "Store root for a container mount (default: $STRATA_STORE, else /var/lib/strata).")
    Path store;

    @Option(names = "-o", description = "Mount options: lowerdir=A:B (top first), upperdir=, workdir=, ro, metacopy=on|off, uidmapping=, gidmapping=")
    List<String> options = new ArrayList<>();

    @Option(names = "-f", description = "Stay in the foreground.")
    boolean foreground;

    @Option(names = "-d", description = "FUSE debug output (implies -f).")
    boolean debug;

    /** ./strata's private flag: serve in this JVM and say "ready" on fd N once live (the script daemonizes it). */
    @Option(names = "--ready-fd", hidden = true, paramLabel = "N")
    Integer readyFd;

    @Parameters(arity = "1..2", paramLabel = "[CONTAINER[@SNAPSHOT]] MOUNTPOINT", description = "Mount point (after a container to mount one).")
    List<String> positional = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (positional.size() == 2) {
            if (!options.isEmpty()) throw new UserError("a container mount takes no -o options");
            Path mp = checkMountPoint(Path.of(positional.get(1)));
            return StoreCommands.requestTo(store, "mount", positional.get(0), mp.toString());
        }
        Path mountPoint = Path.of(positional.get(0));
        List<String> opts = new ArrayList<>(options);
        if (debug) opts.add("debug");
        if (readyFd != null) {
            int fd = readyFd;
            return mount(opts, mountPoint, true, mountPoint.toString(), () -> ReadySignal.send(fd));
        }
        return mount(opts, mountPoint, foreground || debug, mountPoint.toString());
    }

    /** Validates everything first (nothing is mounted on error), then serves here or in a detached child JVM. */
    static int mount(List<String> opts, Path mountPoint, boolean foreground, String source) throws Exception {
        return mount(opts, mountPoint, foreground, source, () -> {
        });
    }

    /** As above; in the foreground, onMounted runs once the mount is live. */
    static int mount(List<String> opts, Path mountPoint, boolean foreground, String source, Runnable onMounted)
            throws Exception {
        MountOptions o = MountOptions.parse(opts);
        // only the JVM that serves counts usage (with usage=on): this one only checks the layers before starting it
        LayerStack stack = LayerDirs.open(foreground ? o : MountOptions.parse(plus(opts, "usage=off")));
        Path mp = checkMountPoint(mountPoint);
        if (!foreground) {
            List<String> childArgs = new ArrayList<>(List.of("mount", "-f"));
            for (String s : opts) childArgs.addAll(List.of("-o", s));
            childArgs.add(mp.toString());
            Daemon.startAndAwaitMount(childArgs, mp);
            return 0;
        }
        try {
            UnionFs fs;
            try {
                fs = new UnionFs(stack);
            } catch (FsException e) {
                throw new UserError("cannot open the layers: " + e.getMessage());
            }
            FuseMount.serve(fs, o, mp, source, onMounted);
        } finally {
            UpperUsage.of(stack).ifPresent(UpperUsage::close); // unmounted: the counters are saved as final
        }
        return 0;
    }

    private static List<String> plus(List<String> opts, String opt) {
        List<String> all = new ArrayList<>(opts);
        all.add(opt);
        return all;
    }

    static Path checkMountPoint(Path mountPoint) {
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp)) throw new UserError("mount point " + mountPoint + " is not a directory");
        if (MountTable.isMounted(mp) && "fuse.strata".equals(MountTable.typeAt(mp)))
            throw new UserError("a Strata union is already mounted at " + mp);
        return mp;
    }
}
