package io.strata.core.options;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code -o} options of a union mount, in fuse-overlayfs' and kernel overlayfs' words: {@code lowerdir=A:B}
 * (top first), {@code upperdir=}, {@code workdir=}, {@code ro}, {@code metacopy=on|off}, {@code uidmapping=},
 * {@code gidmapping=}, {@code tar_whiteouts=lowers|all} (where OCI {@code .wh.} markers are honoured: in lower layers,
 * as kernel overlayfs reads an extracted layer, or in the upper too, as fuse-overlayfs does), {@code usage=on|off}
 * (keep counters of the upper's disk usage, {@link io.strata.core.usage.UpperUsage}; off by default), {@code passthrough}
 * (the kernel reads and writes layer files itself: FUSE passthrough, root and Linux 6.9+; off by default). Options libfuse understands are passed to it; options that mount(8), podman or fuse-overlayfs
 * add and that change nothing here ({@code rw}, {@code dev}, {@code suid}, {@code volatile}, ...) are accepted.
 * A backslash escapes ',' and ':' inside paths.
 */
public record MountOptions(List<String> lowerDirs, String upperDir, String workDir, boolean readOnly,
                           boolean metacopy, boolean upperTarWhiteouts, IdMapping uidMapping, IdMapping gidMapping, List<String> fuseOptions,
                           boolean debug, boolean usage, boolean passthrough) {

    /** Options without FUSE passthrough. */
    public MountOptions(List<String> lowerDirs, String upperDir, String workDir, boolean readOnly, boolean metacopy,
                        boolean upperTarWhiteouts, IdMapping uidMapping, IdMapping gidMapping, List<String> fuseOptions,
                        boolean debug, boolean usage) {
        this(lowerDirs, upperDir, workDir, readOnly, metacopy, upperTarWhiteouts, uidMapping, gidMapping, fuseOptions,
                debug, usage, false);
    }

    /** Options without usage counting. */
    public MountOptions(List<String> lowerDirs, String upperDir, String workDir, boolean readOnly, boolean metacopy,
                        boolean upperTarWhiteouts, IdMapping uidMapping, IdMapping gidMapping, List<String> fuseOptions,
                        boolean debug) {
        this(lowerDirs, upperDir, workDir, readOnly, metacopy, upperTarWhiteouts, uidMapping, gidMapping, fuseOptions,
                debug, false);
    }

    /** libfuse options that the user may set and Strata forwards as they are. */
    private static final List<String> FUSE_PASSTHROUGH = List.of("allow_other", "allow_root", "default_permissions",
            "fsname", "subtype", "max_read", "entry_timeout", "attr_timeout", "negative_timeout", "kernel_cache",
            "auto_cache", "noauto_cache", "max_write", "max_readahead", "big_writes", "large_read", "async_read",
            "sync_read", "intr", "hard_remove", "use_ino", "readdir_ino", "umask", "uid", "gid", "noforget", "atomic_o_trunc");
    /** Accepted and without effect here (mount(8)/podman/fuse-overlayfs habits, kernel overlay features). */
    private static final List<String> ACCEPTED = List.of("rw", "dev", "nodev", "suid", "nosuid", "exec", "noexec",
            "atime", "noatime", "relatime", "strictatime", "nodiratime", "diratime", "auto", "noauto", "user", "nouser",
            "users", "_netdev", "nofail", "defaults", "volatile", "fsync", "redirect_dir", "index", "xino",
            "nfs_export", "userxattr", "context", "fscontext", "defcontext", "rootcontext", "threaded", "squash_to_root",
            "squash_to_uid", "squash_to_gid", "static_nlink", "noacl", "plugins", "timeout", "xattr_permissions",
            "x-systemd", "comment", "source");

    public static MountOptions parse(List<String> optionStrings) {
        List<String> lowers = new ArrayList<>();
        String upper = null, work = null;
        boolean ro = false, metacopy = true, debug = false, upperTarWhiteouts = false, usage = false, passthrough = false;
        IdMapping uid = IdMapping.IDENTITY, gid = IdMapping.IDENTITY;
        List<String> fuse = new ArrayList<>();
        for (String s : optionStrings) {
            for (String opt : splitUnescaped(s, ',')) {
                if (opt.isEmpty()) continue;
                int eq = opt.indexOf('=');
                String key = eq < 0 ? opt : opt.substring(0, eq);
                String val = eq < 0 ? null : opt.substring(eq + 1);
                switch (key) {
                    case "lowerdir" -> {
                        lowers.clear();
                        for (String l : splitUnescaped(require(key, val), ':')) {
                            if (l.isEmpty()) throw new IllegalArgumentException("lowerdir has an empty entry: " + val);
                            lowers.add(unescape(l));
                        }
                    }
                    case "upperdir" -> upper = unescape(require(key, val));
                    case "workdir" -> work = unescape(require(key, val));
                    case "ro" -> ro = true;
                    case "metacopy" -> metacopy = onOff(key, val);
                    case "tar_whiteouts" -> upperTarWhiteouts = switch (require(key, val)) {
                        case "all" -> true;
                        case "lowers" -> false;
                        default -> throw new IllegalArgumentException("tar_whiteouts= takes lowers or all, not " + val);
                    };
                    case "uidmapping" -> uid = IdMapping.parse(require(key, val));
                    case "gidmapping" -> gid = IdMapping.parse(require(key, val));
                    case "debug" -> debug = true;
                    case "usage" -> usage = onOff(key, val);
                    case "passthrough" -> passthrough = onOff(key, val);
                    default -> {
                        if (FUSE_PASSTHROUGH.contains(key)) fuse.add(opt);
                        else if (!ACCEPTED.contains(key) && !key.startsWith("x-"))
                            throw new IllegalArgumentException("unknown mount option: " + opt);
                    }
                }
            }
        }
        if (lowers.isEmpty()) throw new IllegalArgumentException("no lowerdir= given (lowerdir=LOWER1[:LOWER2...])");
        if ((upper == null) != (work == null))
            throw new IllegalArgumentException("upperdir= and workdir= go together: give both or neither");
        if (ro) {
            upper = null;
            work = null;
        }
        return new MountOptions(List.copyOf(lowers), upper, work, upper == null, metacopy, upperTarWhiteouts, uid, gid, List.copyOf(fuse), debug,
                usage && upper != null, passthrough);
    }

    private static String require(String key, String val) {
        if (val == null || val.isEmpty()) throw new IllegalArgumentException(key + "= needs a value");
        return val;
    }

    private static boolean onOff(String key, String val) {
        if (val == null || val.equals("on")) return true;
        if (val.equals("off")) return false;
        throw new IllegalArgumentException(key + "= takes on or off, not " + val);
    }

    /** Splits on sep where it is not preceded by a backslash; escapes stay for {@link #unescape}. */
    static List<String> splitUnescaped(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == sep) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) c = s.charAt(++i);
            b.append(c);
        }
        return b.toString();
    }
}
