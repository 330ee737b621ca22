package io.strata.launcher.run.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * docker's -u / image User: {@code UID[:GID]} or {@code NAME[:GROUP]}, looked up in the container's own /etc/passwd and
 * /etc/group. A numeric uid needs no entry (gid 0 and HOME=/ then, as docker); a name must have one. The user's
 * supplementary groups are the groups that list its name.
 */
public final class Users {
    private Users() {
    }

    public record User(long uid, long gid, List<Long> additionalGids, String home) {
        public static final User ROOT = new User(0, 0, List.of(), "/root");
    }

    /** spec null or empty: root. IllegalArgumentException with docker's words when a name has no entry. */
    public static User resolve(Path rootfs, String spec) {
        if (spec == null || spec.isEmpty()) spec = "0";
        String[] ug = spec.split(":", 2);
        List<String[]> passwd = table(rootfs, "/etc/passwd"), groups = table(rootfs, "/etc/group");
        String[] entry = null;
        for (String[] p : passwd) {
            if (p.length < 7 || !isNumber(p[3])) continue;
            if (isNumber(ug[0]) ? p[2].equals(ug[0]) : p[0].equals(ug[0])) {
                entry = p;
                break;
            }
        }
        if (entry == null && !isNumber(ug[0]))
            throw new IllegalArgumentException("unable to find user " + ug[0] + ": no matching entries in passwd file");
        long uid = entry != null ? Long.parseLong(entry[2]) : Long.parseLong(ug[0]);
        long gid = entry != null ? Long.parseLong(entry[3]) : 0;
        if (ug.length == 2) {
            if (isNumber(ug[1])) gid = Long.parseLong(ug[1]);
            else {
                String[] g = groups.stream().filter(x -> x.length >= 3 && x[0].equals(ug[1])).findFirst().orElse(null);
                if (g == null) throw new IllegalArgumentException("unable to find group " + ug[1] + ": no matching entries in group file");
                gid = Long.parseLong(g[2]);
            }
        }
        List<Long> extra = new ArrayList<>();
        if (entry != null && ug.length == 1) {
            for (String[] g : groups) {
                if (g.length < 4 || !List.of(g[3].split(",")).contains(entry[0])) continue;
                long id = Long.parseLong(g[2]);
                if (id != gid && !extra.contains(id)) extra.add(id);
            }
        }
        String home = entry != null && !entry[5].isEmpty() ? entry[5] : "/";
        return new User(uid, gid, extra, home);
    }

    private static boolean isNumber(String s) {
        return s.matches("\\d{1,10}");
    }

    /** The colon-separated lines of a file in the rootfs (empty when it is missing or reached through a symlink). */
    private static List<String[]> table(Path rootfs, String path) {
        Path f = rootfs == null ? null : Rootfs.regularFile(rootfs, path);
        if (f == null) return List.of();
        List<String[]> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(f)) {
                if (l.isBlank() || l.startsWith("#")) continue;
                String[] fields = l.split(":", -1);
                if (fields.length >= 3 && isNumber(fields[2])) out.add(fields);
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // unreadable: as if it were not there
        }
        return out;
    }
}
