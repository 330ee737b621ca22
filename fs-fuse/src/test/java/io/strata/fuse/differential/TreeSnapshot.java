package io.strata.fuse.differential;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything a program can see of a tree through lstat/readdir/read/readlink/listxattr/getxattr, walked without
 * following symlinks, and the comparison of two such walks.
 *
 * <p>Compared per path: type, permission bits, uid, gid, xattr names and values (as listed through the tree; the
 * union hides trusted.overlay.*), and for non-directories size, nlink and the hard-link group (which other paths share
 * the st_ino); for regular files the sha256 of the content and, for files of 1 MiB or more, whether they are sparse
 * (st_blocks * 512 &lt; st_size: holes must survive copy-up); symlink targets; rdev of devices; mtime under the
 * {@link MtimeRule}.
 *
 * <p>Not compared, by design:
 * <ul>
 *   <li>st_ino values: the kernel's and Strata's numbering schemes differ; only which paths share a number is compared.
 *   <li>st_dev: two different mounts.
 *   <li>atime: reads and relatime make it depend on access history, not on union semantics.
 *   <li>ctime: set by the host at every change, including Strata's internal renames; not reproducible.
 *   <li>directory size and st_nlink of directories ({@link Mode#UNION} only): the union reports the upper directory's
 *       size, which depends on that directory's history (entries that came and went, whiteouts it holds), and overlayfs
 *       reports nlink 1 for merged directories while a pure-upper one has its real count. Raw layer trees compare both.
 *   <li>st_blocks itself ({@link Mode#UNION} only): an allocation detail, not union semantics. The kernel's copy-up
 *       skips holes only at 1 MiB chunk granularity (a copied-up 8 MiB file with three 4 KiB extents gets 2 MiB
 *       allocated, Strata's copy allocates the extents only), and ext4 counts delayed-allocation reservations until
 *       writeback, so small files differ by a block depending on timing. Only "is it still sparse" is compared.
 * </ul>
 */
final class TreeSnapshot {
    enum Mode {
        /** A union mount: the fields above. */
        UNION,
        /** A plain host tree (a layer as stored): everything, including directory size and nlink, and exact mtimes. */
        RAW
    }

    /** One path's observable state: comparable fields by name, plus mtime and st_ino handled separately. */
    record Entry(String type, Map<String, String> fields, long mtimeSec, long mtimeNsec, long ino) {
    }

    /** Files at least this large are checked for holes. */
    static final long SPARSE_MIN = 1 << 20;

    final Map<String, Entry> entries;

    private TreeSnapshot(Map<String, Entry> entries) {
        this.entries = entries;
    }

    static TreeSnapshot walk(String root, Mode mode) {
        Map<String, Entry> out = new TreeMap<>();
        walk(root, "", mode, out);
        return new TreeSnapshot(out);
    }

    private static String host(String root, String rel) {
        return rel.isEmpty() ? root : root + "/" + rel;
    }

    private static void walk(String root, String rel, Mode mode, Map<String, Entry> out) {
        String path = host(root, rel);
        Stat st;
        try {
            st = Host.lstat(path);
        } catch (FsException e) {
            out.put(rel, new Entry("?", Map.of("lstat", e.errno().name()), 0, 0, 0));
            return;
        }
        Map<String, String> f = new LinkedHashMap<>();
        String type = typeName(st.mode());
        f.put("type", type);
        f.put("mode", String.format("%04o", st.perms()));
        f.put("uid", Integer.toString(st.uid()));
        f.put("gid", Integer.toString(st.gid()));
        if (!st.isDir() || mode == Mode.RAW) {
            f.put("size", Long.toString(st.size()));
            f.put("nlink", Long.toString(st.nlink()));
        }
        if (mode == Mode.RAW) f.put("blocks", Long.toString(st.blocks()));
        else if (st.isRegular() && st.size() >= SPARSE_MIN) f.put("sparse", Boolean.toString(st.blocks() * 512 < st.size()));
        if (st.isRegular()) f.put("sha256", sha256(path));
        if (st.isSymlink()) f.put("target", readlink(path));
        if (st.isCharDevice() || st.type() == Stat.S_IFBLK)
            f.put("rdev", Stat.major(st.rdev()) + ":" + Stat.minor(st.rdev()));
        f.put("xattrs", xattrs(path));
        out.put(rel, new Entry(type, f, st.mtimeSec(), st.mtimeNsec(), st.ino()));
        if (st.isDir()) {
            List<String> names;
            try {
                names = new ArrayList<>(Host.list(path));
            } catch (FsException e) {
                f.put("readdir", e.errno().name());
                return;
            }
            names.sort(null);
            for (String n : names) walk(root, rel.isEmpty() ? n : rel + "/" + n, mode, out);
        }
    }

    static String typeName(int mode) {
        return switch (mode & Stat.S_IFMT) {
            case Stat.S_IFREG -> "file";
            case Stat.S_IFDIR -> "dir";
            case Stat.S_IFLNK -> "symlink";
            case Stat.S_IFIFO -> "fifo";
            case Stat.S_IFCHR -> "chr";
            case Stat.S_IFBLK -> "blk";
            case Stat.S_IFSOCK -> "sock";
            default -> "type" + Integer.toOctalString(mode & Stat.S_IFMT);
        };
    }

    static String sha256(String path) {
        int fd;
        try {
            fd = Host.open(path, Host.O_RDONLY | Host.O_NONBLOCK | Host.O_NOFOLLOW, 0);
        } catch (FsException e) {
            return "open:" + e.errno().name();
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[128 * 1024];
            long off = 0;
            while (true) {
                int n = Host.pread(fd, buf, buf.length, off);
                if (n <= 0) break;
                md.update(buf, 0, n);
                off += n;
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16) + " (" + off + " bytes)";
        } catch (FsException e) {
            return "read:" + e.errno().name();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Host.close(fd);
        }
    }

    private static String readlink(String path) {
        try {
            return Host.readlink(path);
        } catch (FsException e) {
            return "readlink:" + e.errno().name();
        }
    }

    /** Sorted name=value pairs of every attribute listxattr shows. */
    static String xattrs(String path) {
        List<String> names;
        try {
            names = new ArrayList<>(Host.listxattr(path));
        } catch (FsException e) {
            return "listxattr:" + e.errno().name();
        }
        names.sort(null);
        StringBuilder b = new StringBuilder("{");
        for (String n : names) {
            if (b.length() > 1) b.append(", ");
            b.append(n).append('=');
            try {
                byte[] v = Host.getxattr(path, n);
                b.append(v == null ? "<ENODATA>" : show(v));
            } catch (FsException e) {
                b.append('<').append(e.errno().name()).append('>');
            }
        }
        return b.append('}').toString();
    }

    /** An xattr value as text when it is printable, else as hex. */
    static String show(byte[] v) {
        for (byte c : v) if (c < 0x20 || c > 0x7e) return "0x" + HexFormat.of().formatHex(v);
        return '"' + new String(v, StandardCharsets.US_ASCII) + '"';
    }

    /** When are two mtimes comparable? */
    interface MtimeRule {
        /** Exact comparison everywhere (raw trees, which nothing modifies). */
        MtimeRule EXACT = (a, b) -> true;

        /**
         * Union trees after a test: only timestamps older than the test's start are comparable (they were preserved
         * from a lower layer or set explicitly by utimens to an old time). If one side kept an old timestamp and the
         * other has a new one, that is a difference, reported by {@link #diff}.
         */
        static MtimeRule preservedBefore(long thresholdSec) {
            return new MtimeRule() {
                @Override
                public boolean comparable(Entry a, Entry b) {
                    return a.mtimeSec < thresholdSec || b.mtimeSec < thresholdSec;
                }
            };
        }

        boolean comparable(Entry a, Entry b);
    }

    /** All differences between two walks, one line each: "path: field left=... right=...". */
    static List<String> diff(TreeSnapshot left, TreeSnapshot right, String leftName, String rightName, MtimeRule rule) {
        List<String> out = new ArrayList<>();
        Set<String> paths = new TreeSet<>(left.entries.keySet());
        paths.addAll(right.entries.keySet());
        Map<String, Set<String>> lLinks = linkGroups(left), rLinks = linkGroups(right);
        for (String p : paths) {
            Entry a = left.entries.get(p), b = right.entries.get(p);
            String shown = p.isEmpty() ? "/" : p;
            if (a == null || b == null) {
                out.add(shown + ": " + leftName + "=" + (a == null ? "<absent>" : a.type) + " " + rightName + "="
                        + (b == null ? "<absent>" : b.type));
                continue;
            }
            Set<String> keys = new TreeSet<>(a.fields.keySet());
            keys.addAll(b.fields.keySet());
            for (String k : keys) {
                String va = a.fields.get(k), vb = b.fields.get(k);
                if (!Objects.equals(va, vb))
                    out.add(shown + ": " + k + " " + leftName + "=" + va + " " + rightName + "=" + vb);
            }
            if (rule.comparable(a, b) && (a.mtimeSec != b.mtimeSec || a.mtimeNsec != b.mtimeNsec))
                out.add(shown + ": mtime " + leftName + "=" + a.mtimeSec + "." + String.format("%09d", a.mtimeNsec) + " "
                        + rightName + "=" + b.mtimeSec + "." + String.format("%09d", b.mtimeNsec));
            if (!a.type.equals("dir") && !b.type.equals("dir")) {
                Set<String> la = lLinks.getOrDefault(p, Set.of()), lb = rLinks.getOrDefault(p, Set.of());
                if (!la.equals(lb))
                    out.add(shown + ": same st_ino as " + leftName + "=" + la + " " + rightName + "=" + lb);
            }
        }
        return out;
    }

    /** For each non-directory, the other paths with the same st_ino (its hard links as the tree reports them). */
    private static Map<String, Set<String>> linkGroups(TreeSnapshot s) {
        Map<Long, Set<String>> byIno = new TreeMap<>();
        for (Map.Entry<String, Entry> e : s.entries.entrySet()) {
            if (e.getValue().type.equals("dir") || e.getValue().type.equals("?")) continue;
            byIno.computeIfAbsent(e.getValue().ino, k -> new TreeSet<>()).add(e.getKey());
        }
        Map<String, Set<String>> out = new TreeMap<>();
        for (Set<String> group : byIno.values()) {
            if (group.size() < 2) continue;
            for (String p : group) {
                Set<String> others = new TreeSet<>(group);
                others.remove(p);
                out.put(p, others);
            }
        }
        return out;
    }

    /** The snapshot restricted to paths under a prefix (a layer inside a copy's root). */
    TreeSnapshot under(String prefix) {
        Map<String, Entry> out = new TreeMap<>();
        for (Map.Entry<String, Entry> e : entries.entrySet())
            if (e.getKey().equals(prefix) || e.getKey().startsWith(prefix + "/")) out.put(e.getKey(), e.getValue());
        return new TreeSnapshot(out);
    }
}
