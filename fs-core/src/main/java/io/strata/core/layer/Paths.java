package io.strata.core.layer;

/** Layer- and union-relative paths: "" is the root, components joined by '/', no leading or trailing slash. */
public final class Paths {
    /** Longest file name, in bytes (NAME_MAX). */
    public static final int NAME_MAX = 255;

    private Paths() {
    }

    public static int nameBytes(String name) {
        int n = name.length();
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) >= 0x80) return name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return n;
    }

    public static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    public static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i < 0 ? "" : path.substring(0, i);
    }

    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A FUSE path ("/a/b", "/") to a relative one ("a/b", ""). */
    public static String fromAbsolute(String abs) {
        int start = 0, end = abs.length();
        while (start < end && abs.charAt(start) == '/') start++;
        while (end > start && abs.charAt(end - 1) == '/') end--;
        return abs.substring(start, end);
    }

    public static boolean isUnder(String path, String dir) {
        return dir.isEmpty() || path.equals(dir) || path.startsWith(dir + "/");
    }
}
