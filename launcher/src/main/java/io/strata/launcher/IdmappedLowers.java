package io.strata.launcher;

import io.strata.core.options.MountOptions;
import io.strata.fuse.MountTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Lowers handed over through an idmapped mount, with the same mapping as options. containers-storage 1.43 (Debian 12's
 * podman 4.3), for {@code podman run --uidmap}, makes an idmapped mount of its layers directory, passes the mount
 * program lowers through it and {@code uidmapping=}/{@code gidmapping=} as well, then detaches that mount as soon as
 * the program returns: kernel overlay holds a reference on it, a FUSE server that resolves paths later finds nothing
 * (and one that held descriptors would map the shifted ids a second time). Later containers-storage gives a mount
 * program plain lowers. So, when ids are mapped by options, a lower on an idmapped mount is replaced by a plain mount
 * of the same directory where there is one: ids are mapped once, by Strata, and the path stays valid.
 */
final class IdmappedLowers {
    private IdmappedLowers() {
    }

    /** A line of /proc/self/mountinfo: which filesystem, which of its directories, where, idmapped or not. */
    record Mount(String dev, String root, String mountPoint, boolean idmapped) {
        static Mount parse(String line) {
            String[] f = line.split(" ");
            List<String> opts = List.of(f[5].split(","));
            return new Mount(f[2], MountTable.unescape(f[3]), MountTable.unescape(f[4]), opts.contains("idmapped"));
        }

        boolean holds(String path) {
            return under(path, mountPoint);
        }
    }

    /** opts, plus a {@code lowerdir=} that replaces idmapped lowers when ids are mapped by options (later wins). */
    static List<String> unmapped(List<String> opts) {
        MountOptions o;
        try {
            o = MountOptions.parse(opts);
        } catch (IllegalArgumentException e) {
            return opts; // reported when the mount parses them
        }
        if (o.uidMapping().isIdentity() && o.gidMapping().isIdentity()) return opts;
        List<Mount> mounts;
        try {
            mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(Mount::parse).toList();
        } catch (IOException e) {
            return opts;
        }
        List<Path> lowers = new ArrayList<>();
        boolean changed = false;
        for (String l : o.lowerDirs()) {
            String plain = plain(l, mounts);
            changed |= plain != null;
            lowers.add(Path.of(plain != null ? plain : l));
        }
        if (!changed) return opts;
        List<String> all = new ArrayList<>(opts);
        all.add(UnionMounts.options(lowers, null, null));
        return all;
    }

    /** The same directory through a mount that is not idmapped, if dir is on an idmapped one; else null. */
    static String plain(String dir, List<Mount> mounts) {
        Path real;
        try {
            real = Path.of(dir).toRealPath();
        } catch (IOException e) {
            return null;
        }
        String r = real.toString();
        Mount at = null;
        for (Mount m : mounts) if (m.holds(r) && (at == null || m.mountPoint().length() >= at.mountPoint().length())) at = m;
        if (at == null || !at.idmapped()) return null;
        String inFs = join(at.root(), r.substring(at.mountPoint().length()));
        for (Mount m : mounts) {
            if (m.idmapped() || !m.dev().equals(at.dev()) || !under(inFs, m.root())) continue;
            String candidate = join(m.mountPoint(), inFs.substring(m.root().length()));
            if (sameDirectory(Path.of(candidate), real)) return candidate; // not hidden by another mount over it
        }
        return null;
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isDirectory(a) && Files.getAttribute(a, "unix:ino").equals(Files.getAttribute(b, "unix:ino"))
                    && Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static boolean under(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    private static String join(String dir, String rest) {
        if (rest.isEmpty()) return dir;
        return dir.equals("/") ? rest : dir + rest;
    }
}
