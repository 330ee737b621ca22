package io.strata.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What /proc/self/mountinfo says, and the unmount commands a user would type. */
public final class MountTable {
    private MountTable() {
    }

    /** Mount points as the kernel prints them (octal escapes undone). */
    public static List<String> mountPoints() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" "))
                    .filter(f -> f.length > 4)
                    .map(f -> unescape(f[4]))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The filesystem type of the mount at that point ("fuse.strata", "overlay", ...), or null. */
    public static String typeAt(Path mountPoint) {
        String mp = mountPoint.toAbsolutePath().normalize().toString();
        try {
            String type = null;
            for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = l.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(mp)) {
                    for (int i = 5; i < f.length - 1; i++) if (f[i].equals("-")) type = f[i + 1];
                }
            }
            return type; // the last one mounted there is what callers see
        } catch (IOException e) {
            return null;
        }
    }

    public static boolean isMounted(Path mountPoint) {
        return mountPoints().contains(mountPoint.toAbsolutePath().normalize().toString());
    }

    /** Waits until the mount point appears (true) or the timeout passes (false). */
    public static boolean awaitMounted(Path mountPoint, long timeoutMillis, ProcessHandle process) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < end) {
            if (isMounted(mountPoint)) return true;
            if (process != null && !process.isAlive()) return false;
            sleep(10);
        }
        return isMounted(mountPoint);
    }

    public static boolean awaitUnmounted(Path mountPoint, long timeoutMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < end) {
            if (!isMounted(mountPoint)) return true;
            sleep(10);
        }
        return !isMounted(mountPoint);
    }

    /** fusermount3 -u (or umount for the kernel's mounts); with lazy, detaches even when busy. */
    public static boolean unmount(Path mountPoint, boolean lazy) {
        String mp = mountPoint.toAbsolutePath().normalize().toString();
        String type = typeAt(mountPoint);
        if (type == null) return true;
        List<String> cmd = type.startsWith("fuse") ? (lazy ? List.of("fusermount3", "-u", "-z", mp) : List.of("fusermount3", "-u", mp))
                : (lazy ? List.of("umount", "-l", mp) : List.of("umount", mp));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            return p.exitValue() == 0 || !isMounted(mountPoint);
        } catch (IOException | InterruptedException | IllegalThreadStateException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A mountinfo field as it names things: the kernel escapes space, tab, newline and backslash as \\ooo. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
