package io.strata.launcher;

import java.nio.file.Path;
import java.util.List;

/** A read-only union of directories, mounted exactly as {@code strata mount -o lowerdir=...,ro} mounts it. */
public final class UnionMounts {
    private UnionMounts() {
    }

    /** Mounts {@code lowersTopFirst} read-only at {@code mountPoint}; returns once live (or serves here if foreground). */
    public static int mountReadOnly(List<Path> lowersTopFirst, Path mountPoint, boolean foreground, String source) throws Exception {
        StringBuilder o = new StringBuilder("ro,lowerdir=");
        for (int i = 0; i < lowersTopFirst.size(); i++) {
            if (i > 0) o.append(':');
            o.append(lowersTopFirst.get(i).toString().replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:"));
        }
        return MountCommand.mount(List.of(o.toString()), mountPoint, foreground, source);
    }
}
