package io.strata.launcher;

import java.nio.file.Path;
import java.util.List;

/** A read-only union of directories, mounted exactly as {@code strata mount -o lowerdir=...,ro} mounts it. */
public final class UnionMounts {
    private UnionMounts() {
    }

    /** The -o list of a union of upper (with work; both null: read-only) over lowersTopFirst, paths escaped. */
    public static String options(List<Path> lowersTopFirst, Path upper, Path work) {
        String o = "lowerdir=" + join(lowersTopFirst);
        return upper == null ? o : o + ",upperdir=" + escape(upper) + ",workdir=" + escape(work);
    }

    /** Mounts a writable union of {@code upper} (with {@code work}) over {@code lowersTopFirst}. */
    public static int mountReadWrite(List<Path> lowersTopFirst, Path upper, Path work, Path mountPoint, boolean foreground,
                                     String source) throws Exception {
        return MountCommand.mount(List.of(options(lowersTopFirst, upper, work)), mountPoint, foreground, source);
    }

    private static String escape(Path p) {
        return p.toString().replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:");
    }

    private static String join(List<Path> dirs) {
        StringBuilder b = new StringBuilder();
        for (Path p : dirs) b.append(b.length() == 0 ? "" : ":").append(escape(p));
        return b.toString();
    }

    /** Mounts {@code lowersTopFirst} read-only at {@code mountPoint}; returns once live (or serves here if foreground). */
    public static int mountReadOnly(List<Path> lowersTopFirst, Path mountPoint, boolean foreground, String source) throws Exception {
        return MountCommand.mount(List.of("ro,lowerdir=" + join(lowersTopFirst)), mountPoint, foreground, source);
    }
}
