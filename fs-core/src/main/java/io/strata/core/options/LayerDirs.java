package io.strata.core.options;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layerfs.HostFs;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.usage.UpperUsage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Checks the directories a mount names, as overlayfs' params.c does, and builds the layer stack from them. */
public final class LayerDirs {
    private static final int R_OK = 4, W_OK = 2, X_OK = 1;

    private LayerDirs() {
    }

    /** The layer stack, or IllegalArgumentException with a message a user can act on. */
    public static LayerStack open(MountOptions o) {
        List<DirLayer> lowers = new ArrayList<>();
        for (String l : o.lowerDirs()) lowers.add(DirLayer.lower(checkDir("lowerdir", l, R_OK | X_OK)));
        DirLayer upper = null;
        if (o.upperDir() != null) {
            String up = checkDir("upperdir", o.upperDir(), R_OK | W_OK | X_OK);
            String work = checkDir("workdir", o.workDir(), R_OK | W_OK | X_OK);
            if (stat(up).dev() != stat(work).dev())
                throw new IllegalArgumentException("upperdir " + up + " and workdir " + work + " are on different filesystems");
            if (isUnder(up, work) || isUnder(work, up))
                throw new IllegalArgumentException("upperdir and workdir must be separate subtrees: " + up + ", " + work);
            for (String l : o.lowerDirs()) {
                String abs = absolute(l);
                if (abs.equals(up)) throw new IllegalArgumentException("lowerdir " + l + " is also the upperdir");
            }
            upper = DirLayer.upper(o.usage() ? countUsage(up, work) : HostFs.INSTANCE, up, work, o.upperTarWhiteouts());
        }
        return new LayerStack(upper, lowers, o.metacopy());
    }

    private static LayerFs countUsage(String up, String work) {
        try {
            return UpperUsage.open(HostFs.INSTANCE, up, work).fs();
        } catch (FsException e) {
            throw new IllegalArgumentException("usage of upperdir " + up + ": " + e.getMessage());
        }
    }

    private static String absolute(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }

    private static boolean isUnder(String p, String dir) {
        return p.equals(dir) || p.startsWith(dir.endsWith("/") ? dir : dir + "/");
    }

    private static Stat stat(String p) {
        try {
            return Host.lstat(p);
        } catch (FsException e) {
            throw new IllegalArgumentException(p + ": " + e.errno());
        }
    }

    private static String checkDir(String what, String p, int access) {
        String abs = absolute(p);
        Stat st;
        try {
            st = Host.lstat(abs);
        } catch (FsException e) {
            throw new IllegalArgumentException(what + " " + p + ": " + switch (e.errno()) {
                case ENOENT -> "does not exist";
                case EACCES -> "permission denied";
                case ENOTDIR -> "a component of the path is not a directory";
                default -> e.errno().name();
            });
        }
        if (st.isSymlink()) { // the kernel follows a symlink given as a layer directory, and so does Strata
            try {
                abs = java.nio.file.Path.of(abs).toRealPath().toString();
                st = Host.lstat(abs);
            } catch (java.io.IOException | FsException e) {
                throw new IllegalArgumentException(what + " " + p + ": a symlink to nowhere (" + e.getMessage() + ")");
            }
        }
        if (!st.isDir()) throw new IllegalArgumentException(what + " " + p + ": not a directory");
        try {
            Host.access(abs, access);
        } catch (FsException e) {
            throw new IllegalArgumentException(what + " " + p + ": " + ((access & W_OK) != 0 ? "not writable" : "not readable")
                    + " (" + e.errno() + ")");
        }
        return abs;
    }
}
