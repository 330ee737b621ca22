package io.strata.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What /proc/self/mountinfo says about mount points. */
final class MountInfo {
    private MountInfo() {
    }

    private static List<String[]> entries() {
        try {
            List<String[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) out.add(line.split(" "));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** "fstype source mount-options super-options" of the topmost mount at mp, or null. */
    static String line(Path mp) {
        String target = mp.toAbsolutePath().normalize().toString();
        String found = null;
        for (String[] f : entries()) {
            if (f.length < 10 || !unescape(f[4]).equals(target)) continue;
            int dash = List.of(f).indexOf("-");
            found = f[dash + 1] + " " + f[dash + 2] + " " + f[5] + " " + f[dash + 3];
        }
        return found;
    }

    /** Mount points at or below dir, deepest first (the order to unmount them in). */
    static List<Path> under(Path dir) {
        String prefix = dir.toAbsolutePath().normalize().toString();
        List<Path> out = new ArrayList<>();
        for (String[] f : entries()) {
            String mp = unescape(f[4]);
            if (mp.equals(prefix) || mp.startsWith(prefix + "/")) out.add(Path.of(mp));
        }
        out.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return out;
    }
}
