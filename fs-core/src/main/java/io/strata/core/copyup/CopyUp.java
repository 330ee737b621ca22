package io.strata.core.copyup;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.inode.InodeNumbers;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;
import io.strata.core.layerfs.HostFs;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.namei.Lookup;
import io.strata.core.namei.Node;
import io.strata.core.xattr.OverlayXattrs;

/**
 * Copy-up (overlayfs' copy_up.c): the first change to a lower object makes an upper copy of it, parents first. The
 * copy is built in the work directory (data, xattrs, owner, mode, times, the inode number it inherits) and renamed
 * into place, so a half-copied object is never visible. With metacopy, a regular file is first copied without its
 * data: the upper file is sparse, marked {@code trusted.overlay.metacopy}, and reads still go to the lower file until
 * something opens it for writing.
 */
public final class CopyUp {
    private final LayerStack layers;
    private final Lookup lookup;
    private final InodeNumbers inodes;
    private final HardLinks hardLinks;

    public CopyUp(LayerStack layers, Lookup lookup, InodeNumbers inodes) {
        this.layers = layers;
        this.lookup = lookup;
        this.inodes = inodes;
        this.hardLinks = new HardLinks(layers);
    }

    private DirLayer upper() throws FsException {
        DirLayer u = layers.upper();
        if (u == null) throw new FsException(Errno.EROFS, "read-only union");
        return u;
    }

    /** Makes sure the directory node exists in the upper layer, copying it and its parents up if needed. */
    public Node dir(Node dir) throws FsException {
        if (dir.inUpper()) return dir;
        return copyUp(dir, false);
    }

    /**
     * Copies a node up. {@code needData}: the caller will change the file's contents (open for write, truncate), so a
     * metadata-only copy is not enough. Returns the node as it now resolves.
     */
    public Node copyUp(Node n, boolean needData) throws FsException {
        DirLayer upper = upper();
        if (n.inUpper()) {
            if (!needData || !n.metacopy()) return n;
            completeData(n);
            lookup.invalidate(n.path());
            return lookup.resolve(n.path());
        }
        Node parent = lookup.resolve(Paths.parent(n.path()));
        dir(parent);
        Node.Hit src = n.lowers().get(0);
        DirLayer from = layers.lower(src.layer());
        String srcHost = from.host(src.rel());
        Stat st = src.stat();
        LayerFs ufs = upper.fs();
        String tmp = upper.newTemp();
        boolean metaOnly = false;
        try {
            switch (st.type()) {
                case Stat.S_IFDIR -> ufs.mkdir(tmp, 0700);
                case Stat.S_IFLNK -> ufs.symlink(from.readlink(src.rel()), tmp);
                case Stat.S_IFREG -> {
                    if (!ufs.createBackedFile(tmp, st, srcHost)) metaOnly = copyFile(srcHost, tmp, st, needData);
                }
                default -> ufs.mknod(tmp, st.mode(), st.rdev());
            }
            copyXattrs(srcHost, ufs, tmp);
            ufs.setxattr(tmp, OverlayXattrs.ORIGIN, inodes.originOf(srcHost, st.dev()), 0);
            if (metaOnly) {
                ufs.setxattr(tmp, OverlayXattrs.METACOPY, new byte[0], 0);
                if (!src.rel().equals(n.path())) upperRedirect(ufs, tmp, src.rel());
            }
            ufs.lchown(tmp, st.uid(), st.gid());
            if (!st.isSymlink()) ufs.chmod(tmp, st.perms());
            ufs.utimens(tmp, st.atimeSec(), st.atimeNsec(), st.mtimeSec(), st.mtimeNsec());
            String parentHost = upper.host(Paths.parent(n.path()));
            Stat parentBefore = ufs.lstat(parentHost);
            ufs.rename(tmp, upper.host(n.path()));
            keepTimes(ufs, parentHost, parentBefore);
        } catch (FsException e) {
            removeQuietly(ufs, tmp);
            throw e;
        }
        // a copied-up directory is new and empty in the upper and carries no markers: what is cached below it holds
        if (st.isDir()) lookup.invalidateNode(n.path());
        else lookup.invalidate(n.path());
        if (!st.isDir() && st.nlink() > 1) linkOtherNames(n, src);
        return lookup.resolve(n.path());
    }

    /**
     * A name of n is about to go (unlink, or a rename over it). If n is a lower file with other hard links, it is
     * copied up (metadata only) with its other names first, so that they see their link count drop, as with
     * overlayfs' index=on. Returns the node as it now resolves.
     */
    public Node beforeNameGoes(Node n) throws FsException {
        if (n.isDir() || n.inUpper() || n.lowers().get(0).stat().nlink() < 2) return n;
        return copyUp(n, false);
    }

    /**
     * Gives an upper object (existingHost) one more name, unionPath: parents copied up first, their times kept (a
     * name that already showed the same lower file is no change of its directory).
     */
    void linkAt(String existingHost, String unionPath) throws FsException {
        DirLayer upper = upper();
        dir(lookup.resolve(Paths.parent(unionPath)));
        String parentHost = upper.host(Paths.parent(unionPath));
        Stat parentBefore = upper.fs().lstat(parentHost);
        upper.fs().link(existingHost, upper.host(unionPath));
        lookup.invalidate(unionPath);
        keepTimes(upper.fs(), parentHost, parentBefore);
    }

    HardLinks hardLinks() {
        return hardLinks;
    }

    /** A copy-up is no change of the parent: its times stay, as overlayfs keeps them. */
    private static void keepTimes(LayerFs fs, String dirHost, Stat before) throws FsException {
        fs.utimens(dirHost, before.atimeSec(), before.atimeNsec(), before.mtimeSec(), before.mtimeNsec());
    }

    /**
     * Links the new upper object under every other name that shows the same lower inode, so the hard-linked file
     * stays one file: a write through one name is seen through all, and st_nlink and st_ino agree.
     */
    private void linkOtherNames(Node n, Node.Hit src) throws FsException {
        DirLayer upper = upper();
        MovedDirs moved = null;
        for (String alias : hardLinks.names(src.layer(), src.stat())) {
            if (alias.equals(src.rel())) continue;
            String at = unionPathNear(alias, src.layer(), n.path());
            if (!shows(at, alias, src.layer())) {
                if (moved == null) moved = MovedDirs.of(upper, lookup); // its directory was renamed apart from n's
                at = moved.unionPathOf(alias);
                if (!shows(at, alias, src.layer())) continue; // shadowed or deleted: another object, or none
            }
            if (!at.equals(n.path())) linkAt(upper.host(n.path()), at);
        }
    }

    /** Does the union path show that lower name (of a lower file that never changes), still only in the lower layer? */
    boolean shows(String unionPath, String lowerRel, int layer) throws FsException {
        Node a = lookup.resolveOrNullQuietly(unionPath);
        if (a == null || a.inUpper() || a.lowers().isEmpty()) return false;
        Node.Hit h = a.lowers().get(0);
        return h.layer() == layer && h.rel().equals(lowerRel);
    }

    /**
     * Where a lower name (layer-relative) shows in the union: below the nearest union directory above near whose
     * directory in that layer holds it, so that a name beside near (or below a directory renamed with near's: a
     * redirect) is found where the rename put it; else at its own path. The caller checks what it finds there.
     */
    private String unionPathNear(String lowerRel, int layer, String near) throws FsException {
        for (String u = Paths.parent(near); !u.isEmpty(); u = Paths.parent(u)) {
            Node d = lookup.resolveOrNullQuietly(u);
            Node.Hit h = d == null ? null : d.hitIn(layer);
            if (h != null && lowerRel.startsWith(h.rel() + "/")) return Paths.join(u, lowerRel.substring(h.rel().length() + 1));
        }
        return lowerRel;
    }

    private static void upperRedirect(LayerFs fs, String hostPath, String lowerRel) throws FsException {
        fs.setxattr(hostPath, OverlayXattrs.REDIRECT, ("/" + lowerRel).getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
    }

    /** Returns true when only metadata was copied. */
    private boolean copyFile(String srcHost, String tmp, Stat st, boolean needData) throws FsException {
        boolean metaOnly = !needData && layers.metacopy();
        try (LayerFile out = upper().fs().open(tmp, Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL, 0600)) {
            if (metaOnly) {
                out.truncate(st.size());
            } else {
                try (LayerFile in = HostFs.INSTANCE.open(srcHost, Host.O_RDONLY, 0)) {
                    DataCopy.copy(in, out, st.size());
                }
                out.fsync(false);
            }
        }
        return metaOnly;
    }

    /** A metacopy file is about to be written: bring its data up, then drop the marker (overlayfs does the same). */
    private void completeData(Node n) throws FsException {
        DirLayer upper = upper();
        LayerFs ufs = upper.fs();
        Node.Hit data = n.lowers().get(0);
        String dst = upper.host(n.path());
        Stat before = ufs.lstat(dst); // afresh: the node's stat is from its lookup, older than a utimens since
        try (LayerFile out = ufs.open(dst, Host.O_WRONLY, 0)) {
            try (LayerFile in = layers.lower(data.layer()).open(data.rel(), Host.O_RDONLY, 0)) {
                DataCopy.copy(in, out, Math.min(before.size(), data.stat().size()));
            }
            out.truncate(before.size());
            out.fsync(false);
        }
        ufs.removexattr(dst, OverlayXattrs.METACOPY);
        if (ufs.getxattr(dst, OverlayXattrs.REDIRECT) != null) ufs.removexattr(dst, OverlayXattrs.REDIRECT);
        // the file's mtime stays; overlayfs leaves the data copy's (now), seen only when an open for writing writes nothing
        ufs.utimens(dst, Host.UTIME_OMIT, Host.UTIME_OMIT, before.mtimeSec(), before.mtimeNsec());
    }

    private static void copyXattrs(String from, LayerFs toFs, String to) throws FsException {
        for (String name : Host.listxattr(from)) {
            if (OverlayXattrs.isPrivate(name)) continue;
            byte[] v = Host.getxattr(from, name);
            if (v == null) continue;
            try {
                toFs.setxattr(to, name, v, 0);
            } catch (FsException e) {
                // security.* labels the upper filesystem cannot hold are dropped, as overlayfs does for EOPNOTSUPP
                if (e.errno() != Errno.EOPNOTSUPP) throw e;
            }
        }
    }

    /** Removes a path of the upper's filesystem and everything under it (a temp in the work directory). */
    public static void removeQuietly(LayerFs fs, String path) {
        try {
            removeTree(fs, path);
        } catch (FsException ignored) {
            // best effort: the work directory is cleaned again at the next mount
        }
    }

    public static void removeTree(LayerFs fs, String path) throws FsException {
        Stat st = fs.lstatOrNull(path);
        if (st == null) return;
        if (st.isDir()) removeDir(fs, path);
        else fs.unlink(path);
    }

    /** Empties and removes a directory, telling files from directories by d_type (an lstat only where it is unknown). */
    private static void removeDir(LayerFs fs, String path) throws FsException {
        for (Host.DirEntry e : fs.listTyped(path)) {
            String child = path + "/" + e.name();
            switch (e.type()) {
                case Host.DT_DIR -> removeDir(fs, child);
                case Host.DT_UNKNOWN -> removeTree(fs, child);
                default -> fs.unlink(child);
            }
        }
        fs.rmdir(path);
    }
}
