package io.strata.launcher;

import io.strata.core.layer.LayerStack;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.fuse.FuseMount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run behind bin/strata-overlay's class-data archive: the script runs it once per jar with
 * {@code -XX:ArchiveClassesAtExit}, and every later mount starts from the archive (classes already parsed and
 * verified: benchmarks/RESULTS.md, podman section). It takes the path a mount takes — options, layers, union, a FUSE
 * mount of a small union in a temp dir, a few calls through it, unmount — so that the archive holds those classes.
 * Without /dev/fuse it still loads everything up to the mount.
 */
final class ClassDataTraining {
    private ClassDataTraining() {
    }

    static int run() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("strata-overlay-training-");
            Path lower = Files.createDirectories(dir.resolve("lower/etc")).getParent();
            Files.writeString(lower.resolve("etc/motd"), "lower\n");
            Files.createDirectories(dir.resolve("upper"));
            Files.createDirectories(dir.resolve("work"));
            Path mnt = Files.createDirectories(dir.resolve("merged"));
            MountOptions o = MountOptions.parse(List.of("lowerdir=" + lower + ",upperdir=" + dir.resolve("upper")
                    + ",workdir=" + dir.resolve("work") + ",,volatile"));
            LayerStack stack = LayerDirs.open(o);
            Path mp = MountCommand.checkMountPoint(mnt);
            UnionFs fs = new UnionFs(stack);
            try (FuseMount m = FuseMount.start(fs, o, mp, "strata-overlay-training")) {
                exercise(m.mountPoint());
            } catch (RuntimeException | IOException noFuse) {
                // no /dev/fuse or not allowed to mount: the classes up to the mount are loaded all the same
                System.err.println("strata-overlay: class-data training without a mount: " + noFuse);
            }
            return 0;
        } catch (Exception e) {
            System.err.println("strata-overlay: class-data training failed: " + e);
            return 1;
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    /** What a container start does first: look up, list, read, copy up, create, rename, delete. */
    private static void exercise(Path m) throws IOException {
        try (Stream<Path> s = Files.list(m.resolve("etc"))) {
            s.forEach(p -> p.getFileName());
        }
        Files.readString(m.resolve("etc/motd"));
        Files.writeString(m.resolve("etc/motd"), "upper\n", StandardCharsets.UTF_8);
        Files.createDirectories(m.resolve("run/secrets"));
        Files.writeString(m.resolve("run/.containerenv"), "");
        Files.move(m.resolve("run/.containerenv"), m.resolve("run/env"));
        Files.createSymbolicLink(m.resolve("etc/mtab"), Path.of("/proc/mounts"));
        Files.delete(m.resolve("etc/motd"));
        Files.getAttribute(m.resolve("etc"), "unix:ino");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
