package io.strata.core.union;

import io.strata.core.copyup.CopyUp;
import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.inode.InodeNumbers;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.namei.Lookup;
import io.strata.core.namei.Node;
import io.strata.core.readdir.MergedReaddir;

import java.nio.charset.StandardCharsets;

/**
 * rename(2) across layers (overlayfs' ovl_rename with redirect_dir=on): the source is copied up (a directory alone,
 * not its contents), moved inside the upper layer, and marked so that lookups still find what it merged with: a
 * directory or metacopy file that has lower objects gets {@code trusted.overlay.redirect} naming their path, a pure
 * upper directory moved over a lower name becomes opaque. A whiteout stays at the old name if a lower object had it.
 * Renaming a lower directory therefore never fails with EXDEV.
 */
final class Rename {
    private final LayerStack layers;
    private final Lookup lookup;
    private final MergedReaddir readdir;
    private final CopyUp copyUp;
    private final InodeNumbers inodes;

    Rename(LayerStack layers, Lookup lookup, MergedReaddir readdir, CopyUp copyUp, InodeNumbers inodes) {
        this.layers = layers;
        this.lookup = lookup;
        this.readdir = readdir;
        this.copyUp = copyUp;
        this.inodes = inodes;
    }

    void rename(String from, String to, int flags) throws FsException {
        if (from.isEmpty() || to.isEmpty()) throw new FsException(Errno.EBUSY, "/");
        if ((flags & Host.RENAME_EXCHANGE) != 0) {
            if ((flags & Host.RENAME_NOREPLACE) != 0) throw new FsException(Errno.EINVAL, "RENAME_EXCHANGE|NOREPLACE");
            exchange(from, to);
            return;
        }
        Node src = lookup.resolve(from);
        Node dstParent = lookup.resolve(Paths.parent(to));
        if (!dstParent.isDir()) throw new FsException(Errno.ENOTDIR, to);
        if (!from.equals(to) && Paths.isUnder(to, from)) throw new FsException(Errno.EINVAL, to);
        String toName = Paths.name(to);
        if (Paths.nameBytes(toName) > Paths.NAME_MAX) throw new FsException(Errno.ENAMETOOLONG, to);
        UnionFs.refuseMarkerName(layers.upper(), to);
        Node dst = lookup.child(dstParent, toName);
        if (dst != null && (flags & Host.RENAME_NOREPLACE) != 0) throw new FsException(Errno.EEXIST, to);
        if (dst != null && sameFile(src, dst)) return;
        if (dst != null) {
            if (src.isDir() && !dst.isDir()) throw new FsException(Errno.ENOTDIR, to);
            if (!src.isDir() && dst.isDir()) throw new FsException(Errno.EISDIR, to);
            if (dst.isDir() && !readdir.isEmpty(dst)) throw new FsException(Errno.ENOTEMPTY, to);
        }
        if (from.equals(to)) return;

        DirLayer upper = layers.upper();
        if (dst != null) copyUp.beforeNameGoes(dst);
        Node srcParent = copyUp.dir(lookup.resolve(Paths.parent(from)));
        boolean srcLower = lookup.lowerPositive(srcParent, Paths.name(from));
        src = copyUp.copyUp(src, false);
        dstParent = copyUp.dir(lookup.resolve(Paths.parent(to)));
        boolean dstLower = lookup.lowerPositive(dstParent, toName);

        LayerFs ufs = upper.fs();
        String s = upper.host(from), d = upper.host(to);
        if (src.isDir()) {
            if (src.hasLower()) upper.setRedirect(from, "/" + src.lowerPath());
            else if (dstLower) upper.setOpaque(from);
        } else if (src.metacopy()) {
            upper.setRedirect(from, "/" + src.lowers().get(0).rel());
        }

        Stat dstUpper = upper.lstat(to);
        String setAside = null;
        boolean whiteoutLeftAtSource = false;
        if (dstUpper != null) {
            inodes.forget(dstUpper);
            if (dstUpper.isDir()) {
                setAside = upper.newTemp(); // empty in the union, but may hold whiteouts
                ufs.rename(d, setAside);
                ufs.rename(s, d);
            } else if (src.isDir()) { // a whiteout: a directory cannot replace it, so swap the two
                ufs.renameat2(s, d, Host.RENAME_EXCHANGE);
                if (srcLower) whiteoutLeftAtSource = true;
                else ufs.unlink(s);
            } else {
                ufs.rename(s, d);
            }
        } else {
            ufs.rename(s, d);
        }
        if (srcLower && !whiteoutLeftAtSource) upper.makeWhiteout(from);
        if (setAside != null) CopyUp.removeQuietly(ufs, setAside);
    }

    /**
     * RENAME_EXCHANGE: both objects are copied up (directories alone) and swapped in the upper layer; each keeps
     * finding what it merged with through a redirect, and a pure upper directory landing on a lower name turns opaque.
     */
    private void exchange(String a, String b) throws FsException {
        Node na = lookup.resolve(a), nb = lookup.resolve(b);
        if (a.equals(b) || sameFile(na, nb)) return;
        if (Paths.isUnder(a, b) || Paths.isUnder(b, a)) throw new FsException(Errno.EINVAL, a + " <-> " + b);
        DirLayer upper = layers.upper();
        Node pa = copyUp.dir(lookup.resolve(Paths.parent(a)));
        boolean aLower = lookup.lowerPositive(pa, Paths.name(a));
        Node pb = copyUp.dir(lookup.resolve(Paths.parent(b)));
        boolean bLower = lookup.lowerPositive(pb, Paths.name(b));
        na = copyUp.copyUp(na, false);
        nb = copyUp.copyUp(nb, false);
        markForMove(upper, na, bLower);
        markForMove(upper, nb, aLower);
        upper.fs().renameat2(upper.host(a), upper.host(b), Host.RENAME_EXCHANGE);
    }

    /**
     * Two names of one hard-linked file: rename(2) does nothing and succeeds (the VFS checks it before calling the
     * filesystem, but only when both names are one kernel inode, which a path-based FUSE adapter does not give them).
     */
    private boolean sameFile(Node a, Node b) throws FsException {
        return !a.isDir() && !b.isDir() && inodes.of(a) == inodes.of(b);
    }

    /** What an upper object needs before it moves to a name where a lower object is (or is not). */
    private static void markForMove(DirLayer upper, Node n, boolean lowerAtTarget) throws FsException {
        if (n.isDir()) {
            if (n.hasLower()) upper.setRedirect(n.path(), "/" + n.lowerPath());
            else if (lowerAtTarget) upper.setOpaque(n.path());
        } else if (n.metacopy()) {
            upper.setRedirect(n.path(), "/" + n.lowers().get(0).rel());
        }
    }
}
