package io.strata.fuse.ll;

import io.strata.core.options.MountOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The low-level adapter's tunables, with defaults chosen by measurement (benchmarks/README.md). Every change of the
 * union goes through this process, so the kernel may cache entries and attributes long (like fuse-overlayfs); the
 * user's -o entry_timeout=/attr_timeout=/negative_timeout= (seconds) and system properties override them:
 * strata.fuse.threads=multi|single, strata.fuse.ll.maxThreads, strata.fuse.ll.maxWrite (bytes),
 * strata.fuse.ll.readdirplus=auto|always|off, strata.fuse.ll.splice=write|read|both|off (write, the default: reads of
 * host files, and of a block store's files whose bytes lie in one host file, are answered from the descriptor, which
 * libfuse splices into the reply; off, or none: copied),
 * strata.fuse.ll.cacheDirs=true|false (the kernel keeps directory listings across opens),
 * strata.fuse.ll.noOpendir=true|false (true, the default, with cacheDirs: OPENDIR is answered ENOSYS, so the kernel opens
 * and closes directories without a round trip, {@link DirListings}),
 * strata.fuse.ll.readerTurns=true|false (one worker reads /dev/fuse at a time, see {@link ReaderTurns}),
 * strata.fuse.ll.passthrough=on (as -o passthrough: FUSE passthrough for every mount of the JVM, {@link Passthrough}),
 * strata.fuse.ll.killprivV2=on|off (on, the default: the server clears suid/sgid as the kernel asks, {@link KillSuidgid};
 * off whenever requests may arrive spliced, unread: splice=read|both).
 */
record LlConfig(double entryTimeout, double attrTimeout, double negativeTimeout, boolean multiThreaded,
                int maxThreads, int maxWrite, String readdirplus, String splice, boolean cacheDirs, boolean noOpendir,
                boolean debug, boolean readerTurns, boolean passthrough, boolean killprivV2) {

    static final double DEFAULT_TIMEOUT = 86400;

    /** Are reads of host files answered with their descriptor (fuse_reply_data), for libfuse to splice? */
    boolean spliceReads() {
        return splice.equals("write") || splice.equals("both");
    }

    /** Options of libfuse 2's high-level API (FuseMount.fuseArgs) that libfuse 3's session does not know. */
    private static final List<String> HIGH_LEVEL_ONLY = List.of("use_ino", "readdir_ino", "hard_remove", "big_writes",
            "kernel_cache", "auto_cache", "noauto_cache", "large_read", "atomic_o_trunc", "nullpath_ok", "nopath", "direct_io", "intr",
            "umask", "uid", "gid", "entry_timeout", "attr_timeout", "negative_timeout", "ac_attr_timeout",
            "noforget", "remember", "modules", "max_write", "max_readahead", "async_read", "sync_read", "splice_read",
            "splice_write", "splice_move", "no_remote_lock", "auto_unmount");

    static LlConfig of(MountOptions o) {
        double entry = DEFAULT_TIMEOUT, attr = DEFAULT_TIMEOUT, negative = DEFAULT_TIMEOUT;
        int maxWrite = Integer.getInteger("strata.fuse.ll.maxWrite", 1 << 20);
        for (String opt : o.fuseOptions()) {
            for (String kv : splitOptions(opt)) {
                int eq = kv.indexOf('=');
                if (eq < 0) continue;
                String k = kv.substring(0, eq), v = kv.substring(eq + 1);
                switch (k) {
                    case "entry_timeout" -> entry = Double.parseDouble(v);
                    case "attr_timeout" -> attr = Double.parseDouble(v);
                    case "negative_timeout" -> negative = Double.parseDouble(v);
                    case "max_write" -> maxWrite = Integer.parseInt(v);
                    default -> {
                    }
                }
            }
        }
        String splice = System.getProperty("strata.fuse.ll.splice", "write");
        return new LlConfig(entry, attr, negative,
                "multi".equals(System.getProperty("strata.fuse.threads", "multi")),
                Integer.getInteger("strata.fuse.ll.maxThreads", 2), maxWrite,
                System.getProperty("strata.fuse.ll.readdirplus", "always"),
                splice,
                Boolean.parseBoolean(System.getProperty("strata.fuse.ll.cacheDirs", "true")),
                Boolean.parseBoolean(System.getProperty("strata.fuse.ll.noOpendir", "true")), o.debug(),
                Boolean.parseBoolean(System.getProperty("strata.fuse.ll.readerTurns", "true")),
                o.passthrough() || "on".equals(System.getProperty("strata.fuse.ll.passthrough", "off")),
                !"off".equals(System.getProperty("strata.fuse.ll.killprivV2", "on"))
                        && !splice.equals("read") && !splice.equals("both")); // spliced requests cannot be read here
    }

    /**
     * libfuse 3's argv from the high-level adapter's (the one place where the mount options are chosen): the same
     * -o list less the options only the high-level API knows (their equivalents are set in the session's init), plus
     * "dev,suid" for root (libfuse 3 mounts nodev,nosuid by default, libfuse 2 did not for root).
     */
    static List<String> sessionArgs(String[] highLevelArgs, boolean root, boolean debug) {
        List<String> keep = new ArrayList<>();
        for (int i = 0; i < highLevelArgs.length; i++) {
            String a = highLevelArgs[i];
            if (a.equals("-o") && i + 1 < highLevelArgs.length) {
                for (String kv : splitOptions(highLevelArgs[++i])) {
                    int eq = kv.indexOf('=');
                    String k = eq < 0 ? kv : kv.substring(0, eq);
                    if (!HIGH_LEVEL_ONLY.contains(k)) keep.add(kv);
                }
            }
            // "-s", "-f", "-d" are the high-level main loop's: threads and debug are chosen here
        }
        if (root) {
            keep.remove("nodev");
            keep.remove("nosuid");
            if (!keep.contains("dev")) keep.add("dev");
            if (!keep.contains("suid")) keep.add("suid");
        }
        List<String> args = new ArrayList<>(List.of("strata", "-o", String.join(",", keep)));
        if (debug) args.add("-d");
        return args;
    }

    /** Splits a -o list at commas that are not escaped with a backslash (fsname may contain "\,"). */
    static List<String> splitOptions(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == ',') {
                if (cur.length() > 0) out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (cur.length() > 0) out.add(cur.toString());
        return out;
    }
}
