package io.strata.store.container;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.Paths;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's changes as a self-contained layer directory in overlay format, ready for {@code LayerWriter}: the
 * upper directory (on the host, or in a block layer: read through {@link LayerFs}) says which names changed; their content and attributes are read through the container's union,
 * so metadata-only copy-ups get their data from below and a renamed directory (redirect) is written whole, opaque.
 * Whiteouts become 0/0 devices, opaque directories keep {@code trusted.overlay.opaque=y}. Owners, modes, xattrs
 * and mtimes are the container's (mtimes clamped to SOURCE_DATE_EPOCH when set).
 */
public final class ChangeLayer {
    private final UnionFs container;
    private final LayerFs upper;
    private final String upperRoot, target;
    private final Map<Long, String> linked = new HashMap<>();
    private final Map<String, Stat> dirs = new LinkedHashMap<>();

    private final Long clamp;

    private ChangeLayer(UnionFs container, LayerFs upper, String upperRoot, String target, Long clamp) {
        this.container = container;
        this.upper = upper;
        this.clamp = clamp;
        this.upperRoot = upperRoot;
        this.target = target;
    }

    /**
     * Writes into the empty host directory {@code target} the changes that the upper directory {@code upperRoot} of
     * {@code upper} makes in {@code container} (the union of that upper over its lowers). {@code clamp}: mtimes later
     * than this (SOURCE_DATE_EPOCH) are set to it, or null.
     */
    public static void build(UnionFs container, LayerFs upper, String upperRoot, String target, Long clamp) throws FsException {
        ChangeLayer c = new ChangeLayer(container, upper, upperRoot, target, clamp);
        c.walk("");
        List<String> ds = new ArrayList<>(c.dirs.keySet());
        ds.sort((a, b) -> Integer.compare(b.length(), a.length())); // deepest first: children change a parent's mtime
        for (String rel : ds) {
            Stat st = c.dirs.get(rel);
            String p = c.out(rel);
            Host.chmod(p, st.perms());
            c.times(p, st);
        }
    }

    private void times(String p, Stat st) throws FsException {
        if (clamp != null && st.mtimeSec() > clamp) Host.utimens(p, clamp, 0, clamp, 0);
        else Host.utimens(p, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
    }

    private String out(String rel) {
        return rel.isEmpty() ? target : target + "/" + rel;
    }

    private void walk(String dir) throws FsException {
        String host = dir.isEmpty() ? upperRoot : upperRoot + "/" + dir;
        for (String name : upper.list(host)) {
            String rel = Paths.join(dir, name), path = host + "/" + name;
            Stat st = upper.lstat(path);
            if (Whiteouts.isWhiteoutDevice(st) || (Whiteouts.mayBeXattrWhiteout(st) && upper.getxattr(path, OverlayXattrs.WHITEOUT) != null)) {
                Host.mknod(out(rel), Stat.S_IFCHR, 0);
            } else if (st.isDir() && upper.getxattr(path, OverlayXattrs.REDIRECT) != null) {
                copyTree(rel);
                Host.setxattr(out(rel), OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0); // nothing of the image shows under it
            } else if (st.isDir()) {
                copy(rel, st.ino(), st.nlink());
                if (Arrays.equals(OverlayXattrs.YES, upper.getxattr(path, OverlayXattrs.OPAQUE)))
                    Host.setxattr(out(rel), OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0);
                walk(rel);
            } else {
                copy(rel, st.ino(), st.nlink());
            }
        }
    }

    /** The whole merged subtree at rel (a renamed directory). */
    private void copyTree(String rel) throws FsException {
        Stat st = container.getattr(rel);
        copy(rel, -1, 1);
        if (!st.isDir()) return;
        for (String n : container.readdir(rel)) if (!n.equals(".") && !n.equals("..")) copyTree(Paths.join(rel, n));
    }

    /** One object as the container shows it; upperIno/nlink join hard links of the upper directory. */
    private void copy(String rel, long upperIno, long nlink) throws FsException {
        UnionFs fs = container;
        Stat st = fs.getattr(rel);
        String p = out(rel);
        if (st.isRegular() && nlink > 1 && upperIno >= 0) {
            String first = linked.putIfAbsent(upperIno, p);
            if (first != null) {
                Host.link(first, p);
                return;
            }
        }
        if (st.isDir()) {
            Host.mkdir(p, 0700);
            dirs.put(rel, st);
        } else if (st.isRegular()) {
            int fd = Host.open(p, Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL | Host.O_NOFOLLOW, 0600);
            try (UnionFile in = fs.open(rel, Host.O_RDONLY)) {
                byte[] buf = new byte[1 << 20];
                long off = 0;
                while (off < st.size()) {
                    int n = in.read(buf, (int) Math.min(buf.length, st.size() - off), off);
                    if (n <= 0) break;
                    if (!allZero(buf, n)) for (int w = 0; w < n; ) w += Host.pwrite(fd, Arrays.copyOfRange(buf, w, n), n - w, off + w);
                    off += n;
                }
                Host.ftruncate(fd, st.size()); // zero runs stay holes
            } finally {
                Host.close(fd);
            }
        } else if (st.isSymlink()) {
            Host.symlink(fs.readlink(rel), p);
        } else {
            Host.mknod(p, st.mode(), st.rdev());
        }
        Host.lchown(p, st.uid(), st.gid());
        for (String x : fs.listxattr(rel)) Host.setxattr(p, x, fs.getxattr(rel, x), 0);
        if (!st.isDir()) {
            if (!st.isSymlink()) Host.chmod(p, st.perms());
            times(p, st);
        }
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) if (b[i] != 0) return false;
        return true;
    }
}
