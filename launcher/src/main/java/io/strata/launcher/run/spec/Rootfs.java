package io.strata.launcher.run.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Paths inside a container's rootfs, seen from the host (through its mount). The image decides what is a symlink, and
 * a symlink's target would be resolved against the host's /: so nothing here follows one — a path with a symlink in
 * it is left alone (for the helper, which resolves it inside the container).
 */
public final class Rootfs {
    private Rootfs() {
    }

    /** rootfs + an absolute container path, or null when a component of it (that exists) is a symlink. */
    public static Path resolve(Path rootfs, String containerPath) {
        Path p = rootfs;
        for (Path part : Path.of("/").relativize(Path.of(containerPath).normalize())) {
            if (part.toString().isEmpty()) continue;
            if (part.toString().equals("..")) return null;
            p = p.resolve(part.toString());
            if (Files.isSymbolicLink(p)) return null;
        }
        return p;
    }

    /** A regular file in the rootfs, or null (missing, not regular, or reached through a symlink). */
    public static Path regularFile(Path rootfs, String containerPath) {
        Path p = resolve(rootfs, containerPath);
        return p != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    /**
     * Makes containerPath a directory (dir = true) or a file, with missing parents, unless it exists or a symlink is
     * in the way. New entries get owner uid:gid (the container's root as the host sees it; -1: leave as created).
     */
    public static void ensure(Path rootfs, String containerPath, boolean dir, long uid, long gid) throws IOException {
        Path p = rootfs;
        Path rel = Path.of("/").relativize(Path.of(containerPath).normalize());
        int n = rel.getNameCount();
        for (int i = 0; i < n; i++) {
            String name = rel.getName(i).toString();
            if (name.isEmpty()) continue;
            if (name.equals("..")) return;
            p = p.resolve(name);
            if (Files.isSymbolicLink(p)) return;
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) continue;
            if (i < n - 1 || dir) Files.createDirectory(p);
            else Files.createFile(p);
            if (uid >= 0) {
                Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
