package io.strata.core.union;

import io.strata.core.copyup.CopyUp;
import io.strata.core.copyup.KernelIndex;
import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.inode.InodeNumbers;
import io.strata.core.inode.LinkCount;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.namei.Listed;
import io.strata.core.namei.Lookup;
import io.strata.core.namei.Node;
import io.strata.core.readdir.MergedReaddir;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The union filesystem: the calls a VFS makes, answered from a {@link LayerStack} with kernel overlayfs' rules.
 * Paths are union-relative ("" = root, "a/b"). Every failure is an {@link FsException} carrying the errno the kernel's
 * overlayfs returns for the same call.
 *
 * <p>Locking: namespace changes (create, remove, rename, copy-up, attribute changes) are serialized by one lock, so
 * that a copy-up and a concurrent change of the same path never interleave; lookups, reads and writes through open
 * files run concurrently.
 */
public final class UnionFs {
    private final LayerStack layers;
    private final Lookup lookup;
    private final MergedReaddir readdir;
    private final InodeNumbers inodes;
    private final CopyUp copyUp;
    private final ReentrantLock ns = new ReentrantLock();

    public UnionFs(LayerStack layers) throws FsException {
        this.layers = layers;
        // objects the union creates carry exactly the mode the caller asked for (the kernel applied its umask)
        Host.umask(0);
        this.lookup = new Lookup(layers);
        this.readdir = new MergedReaddir(layers);
        this.inodes = new InodeNumbers(layers);
        this.copyUp = new CopyUp(layers, lookup, inodes);
        if (layers.upper() != null) {
            cleanWorkDir();
            new KernelIndex(layers, lookup, inodes, copyUp).adopt();
        }
    }

    public LayerStack layers() {
        return layers;
    }

    public boolean readOnly() {
        return layers.upper() == null;
    }

    /** Leftovers of an interrupted copy-up or rename are never part of the union: remove them (the kernel does too). */
    private void cleanWorkDir() throws FsException {
        String work = layers.upper().workDir();
        LayerFs ufs = layers.upper().fs();
        if (ufs.lstatOrNull(work) == null) ufs.mkdir(work, 0);
        for (String name : ufs.list(work)) CopyUp.removeTree(ufs, work + "/" + name);
    }

    private DirLayer upper() throws FsException {
        DirLayer u = layers.upper();
        if (u == null) throw new FsException(Errno.EROFS);
        return u;
    }

    // ---------------------------------------------------------------- attributes

    public Stat getattr(String path) throws FsException {
        return attrs(lookup.resolve(path));
    }

    private Stat attrs(Node n) throws FsException {
        // structure comes from the lookup cache; an upper object's attributes are read afresh (lowers never change)
        Stat fresh = n.inUpper() ? layers.upper().fs().lstat(layers.upper().host(n.path())) : n.top();
        Stat st = fresh.withIno(inodes.of(n));
        if (n.inUpper() && fresh.nlink() > 1 && !fresh.isDir()) {
            st = st.withNlink(LinkCount.of(layers.upper().fs(), layers.upper().host(n.path()), fresh, inodes));
        }
        if (n.isMerged()) st = st.withNlink(1); // like overlayfs: a merged directory's link count is unknown
        if (n.metacopy()) st = st.withBlocks(n.lowers().get(0).stat().blocks());
        return st;
    }

    public String readlink(String path) throws FsException {
        Node n = lookup.resolve(path);
        if (!n.top().isSymlink()) throw new FsException(Errno.EINVAL, path);
        return n.inUpper() ? layers.upper().readlink(path) : layers.lower(n.lowers().get(0).layer()).readlink(n.lowers().get(0).rel());
    }

    public List<String> readdir(String path) throws FsException {
        Node n = lookup.resolve(path);
        if (!n.isDir()) throw new FsException(Errno.ENOTDIR, path);
        return readdir.list(n);
    }

    /** readdir, with what the listing learned: its entries' attributes then need no lookup through every layer. */
    public Listed readdirListed(String path) throws FsException {
        long seq = lookup.changeSeq();
        Node n = lookup.resolve(path);
        if (!n.isDir()) throw new FsException(Errno.ENOTDIR, path);
        return readdir.listed(n, seq);
    }

    /** The attributes of one entry of a listing (readdirplus), as {@link #getattr} answers them for its path. */
    public Stat getattr(Listed dir, String name) throws FsException {
        return attrs(lookup.resolveListed(dir, name));
    }

    public Host.StatFs statfs() throws FsException {
        DirLayer top = layers.upper() != null ? layers.upper() : layers.lower(0);
        return top.fs().statfs(top.root());
    }

    public void access(String path, int mode) throws FsException {
        Node n = lookup.resolve(path);
        if ((mode & 2) != 0 && readOnly()) throw new FsException(Errno.EROFS, path);
        if (n.inUpper() && !n.metacopy()) upper().fs().access(upper().host(path), mode);
        else Host.access(layers.lower(n.lowers().get(0).layer()).host(n.lowers().get(0).rel()), mode & ~2);
    }

    /**
     * Clears suid/sgid of the regular file at path as the kernel does when a caller without CAP_FSETID writes,
     * truncates or chowns it (should_remove_suid, setattr_should_drop_sgid): suid always; sgid when the group may
     * execute, or when the caller is not in the file's group (callerInGroup, given the file's gid, asked only then).
     * st is the file's attributes; returns them after (st itself when nothing changed).
     */
    public Stat killSuidgid(String path, Stat st, java.util.function.IntPredicate callerInGroup) throws FsException {
        int mode = st.mode() & 07777;
        if ((mode & (Stat.S_ISUID | Stat.S_ISGID)) == 0 || !st.isRegular()) return st;
        int kept = mode & ~Stat.S_ISUID;
        if ((mode & Stat.S_ISGID) != 0 && ((mode & 0010) != 0 || !callerInGroup.test(st.gid()))) kept &= ~Stat.S_ISGID;
        if (kept == mode) return st;
        chmod(path, kept);
        return getattr(path);
    }

    public void chmod(String path, int mode) throws FsException {
        mutate(() -> {
            Node n = copyUp.copyUp(lookup.resolve(path), false);
            if (n.top().isSymlink()) throw new FsException(Errno.EOPNOTSUPP, path);
            upper().fs().chmod(upper().host(path), mode);
        });
    }

    public void chown(String path, int uid, int gid) throws FsException {
        mutate(() -> {
            copyUp.copyUp(lookup.resolve(path), false);
            upper().fs().lchown(upper().host(path), uid, gid);
        });
    }

    public void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        mutate(() -> {
            copyUp.copyUp(lookup.resolve(path), false);
            upper().fs().utimens(upper().host(path), aSec, aNsec, mSec, mNsec);
        });
    }

    public void truncate(String path, long size) throws FsException {
        mutate(() -> {
            Node n = lookup.resolve(path);
            if (n.isDir()) throw new FsException(Errno.EISDIR, path);
            if (!n.top().isRegular()) throw new FsException(Errno.EINVAL, path);
            copyUp.copyUp(n, true);
            upper().fs().truncate(upper().host(path), size);
        });
    }

    // ---------------------------------------------------------------- xattrs

    public byte[] getxattr(String path, String name) throws FsException {
        Node n = lookup.resolve(path);
        byte[] v = metaLayerGetxattr(n, OverlayXattrs.toDisk(name));
        if (v == null) throw new FsException(Errno.ENODATA, name);
        return v;
    }

    private byte[] metaLayerGetxattr(Node n, String name) throws FsException {
        if (n.inUpper()) return layers.upper().getxattr(n.path(), name);
        Node.Hit h = n.lowers().get(0);
        return layers.lower(h.layer()).getxattr(h.rel(), name);
    }

    public List<String> listxattr(String path) throws FsException {
        Node n = lookup.resolve(path);
        List<String> names = n.inUpper() ? layers.upper().listxattr(path)
                : layers.lower(n.lowers().get(0).layer()).listxattr(n.lowers().get(0).rel());
        List<String> out = new ArrayList<>(names.size());
        for (String x : names) {
            String shown = OverlayXattrs.fromDisk(x);
            if (shown != null) out.add(shown);
        }
        return out;
    }

    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        String disk = OverlayXattrs.toDisk(name);
        mutate(() -> {
            Node n = lookup.resolve(path);
            byte[] old = metaLayerGetxattr(n, disk);
            if ((flags & Host.XATTR_CREATE) != 0 && old != null) throw new FsException(Errno.EEXIST, name);
            if ((flags & Host.XATTR_REPLACE) != 0 && old == null) throw new FsException(Errno.ENODATA, name);
            copyUp.copyUp(n, false);
            upper().setxattr(path, disk, value, flags);
        });
    }

    public void removexattr(String path, String name) throws FsException {
        String disk = OverlayXattrs.toDisk(name);
        mutate(() -> {
            Node n = lookup.resolve(path);
            if (metaLayerGetxattr(n, disk) == null) throw new FsException(Errno.ENODATA, name);
            copyUp.copyUp(n, false);
            upper().removexattr(path, disk);
        });
    }

    // ---------------------------------------------------------------- open files

    public UnionFile open(String path, int flags) throws FsException {
        boolean write = (flags & Host.O_ACCMODE) != Host.O_RDONLY || (flags & Host.O_TRUNC) != 0;
        Node n = lookup.resolve(path);
        if (n.isDir() && write) throw new FsException(Errno.EISDIR, path);
        int openFlags = flags & ~(Host.O_CREAT | Host.O_EXCL | Host.O_NOCTTY);
        if (write) {
            return change(() -> {
                Node up = copyUp.copyUp(lookup.resolve(path), true);
                return new UnionFile(upper().open(path, openFlags, 0), inodes.of(up), true);
            });
        }
        if (n.inUpper() && !n.metacopy()) return new UnionFile(upper().open(path, openFlags, 0), inodes.of(n), false);
        Node.Hit h = n.lowers().get(0);
        int lowerFlags = openFlags & ~(Host.O_APPEND);
        return new UnionFile(layers.lower(h.layer()).open(h.rel(), lowerFlags, 0), inodes.of(n), false);
    }

    /**
     * open(O_CREAT): creates the file unless it exists (EEXIST with O_EXCL), then opens it. A new file is opened by the
     * call that creates it and enters the lookup cache as made, so a create costs no second open and no re-lookup;
     * {@link UnionFile#created()} tells the caller its fstat is the union's attributes.
     */
    public UnionFile create(String path, int flags, int mode, Caller caller) throws FsException {
        return change(() -> {
            Node parent = parentDir(path);
            Node existing = lookup.child(parent, Paths.name(path));
            if (existing != null) {
                if ((flags & Host.O_EXCL) != 0) throw new FsException(Errno.EEXIST, path);
                return open(path, flags & ~Host.O_CREAT);
            }
            int openFlags = flags & ~(Host.O_CREAT | Host.O_EXCL | Host.O_TRUNC | Host.O_NOCTTY);
            LayerFile f = createObject(parent, path, Stat.S_IFREG | (mode & 07777), 0, null, caller, openFlags);
            try {
                Stat st = f.stat();
                inodes.created(st);
                return new UnionFile(f, inodes.of(lookup.created(path, st)), true, true);
            } catch (FsException | RuntimeException e) {
                f.close();
                throw e;
            }
        });
    }

    // ---------------------------------------------------------------- namespace

    public void mkdir(String path, int mode, Caller caller) throws FsException {
        mutate(() -> createNew(path, Stat.S_IFDIR | (mode & 07777), 0, null, caller));
    }

    public void mknod(String path, int mode, long rdev, Caller caller) throws FsException {
        // a 0/0 character device is a whiteout on disk: the union refuses to make one, like overlayfs
        if ((mode & Stat.S_IFMT) == Stat.S_IFCHR && rdev == 0) throw new FsException(Errno.EPERM, path);
        mutate(() -> createNew(path, mode, rdev, null, caller));
    }

    public void symlink(String target, String path, Caller caller) throws FsException {
        mutate(() -> createNew(path, Stat.S_IFLNK | 0777, 0, target, caller));
    }

    private void createNew(String path, int mode, long rdev, String linkTarget, Caller caller) throws FsException {
        Node parent = parentDir(path);
        if (lookup.child(parent, Paths.name(path)) != null) throw new FsException(Errno.EEXIST, path);
        createObject(parent, path, mode, rdev, linkTarget, caller, NOT_OPENED);
    }

    /** createObject's openFlags when the caller does not want the new regular file open. */
    private static final int NOT_OPENED = -1;

    private Node parentDir(String path) throws FsException {
        if (path.isEmpty()) throw new FsException(Errno.EEXIST, "/");
        Node parent = lookup.resolve(Paths.parent(path));
        if (!parent.isDir()) throw new FsException(Errno.ENOTDIR, path);
        if (Paths.nameBytes(Paths.name(path)) > Paths.NAME_MAX) throw new FsException(Errno.ENAMETOOLONG, path);
        refuseMarkerName(upper(), path);
        return parent;
    }

    /** Where the upper reads OCI markers, a new name must not be one: EINVAL, as fuse-overlayfs answers. */
    static void refuseMarkerName(DirLayer upper, String path) throws FsException {
        if (upper.isMarkerName(Paths.name(path))) throw new FsException(Errno.EINVAL, path + ": a whiteout marker name");
    }

    /**
     * Creates a new object at a name that is free in the union. If the upper layer holds a whiteout there, the object
     * is built in the work directory and swapped in (a directory made over a whiteout is opaque, so the deleted lower
     * directory stays deleted). A regular file is created by open(O_CREAT|O_EXCL|openFlags), and that open file is
     * returned unless openFlags is NOT_OPENED (then, and for other types, null).
     */
    private LayerFile createObject(Node parent, String path, int mode, long rdev, String linkTarget, Caller caller,
                                   int openFlags) throws FsException {
        DirLayer upper = upper();
        parent = copyUp.dir(parent);
        String dst = upper.host(path);
        boolean known = lookup.upperHoldsNothing(path); // the lookup that found the name free saw nothing in the upper
        boolean overWhiteout = !known && upper.lstat(path) != null; // the name is free in the union: what is there hides a lower one
        // an OCI marker (tar_whiteouts=all) hides a lower one too: the new object takes its place in kernel form
        boolean overMarker = !known && !overWhiteout && upper.hasOciWhiteout(parent.path(), Paths.name(path));
        LayerFs ufs = upper.fs();
        Stat parentNow = ufs.lstat(upper.host(parent.path()));
        boolean parentSetgid = (parentNow.mode() & Stat.S_ISGID) != 0;
        int gid = parentSetgid ? parentNow.gid() : caller.gid();
        int type = mode & Stat.S_IFMT;
        int perms = mode & 07777;
        if (type == Stat.S_IFDIR && parentSetgid) perms |= Stat.S_ISGID; // inherited, as in any setgid directory
        if (type != Stat.S_IFDIR && caller.uid() != 0 && caller.gid() != gid) perms &= ~Stat.S_ISGID; // inode_init_owner
        String at = overWhiteout ? upper.newTemp() : dst;
        LayerFile opened = null;
        try {
            if (type == Stat.S_IFREG) {
                opened = ufs.open(at, Host.O_CREAT | Host.O_EXCL | (openFlags == NOT_OPENED ? Host.O_WRONLY : openFlags), perms);
                if (openFlags == NOT_OPENED) {
                    opened.close();
                    opened = null;
                }
            } else {
                makeNode(ufs, at, type | perms, rdev, linkTarget);
            }
            if (caller.uid() != 0 || gid != 0) ufs.lchown(at, caller.uid(), gid);
            // chown clears set-id bits, and mkdir takes S_ISGID from its host parent only: set the final mode last
            if (type != Stat.S_IFLNK && (perms & 07000) != 0) ufs.chmod(at, perms);
            if (overWhiteout) {
                if ((mode & Stat.S_IFMT) == Stat.S_IFDIR) {
                    ufs.setxattr(at, OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0);
                    ufs.renameat2(at, dst, Host.RENAME_EXCHANGE);
                    ufs.unlink(at); // the whiteout, now in the work directory
                } else {
                    ufs.rename(at, dst);
                }
            }
            if (overMarker) {
                if (type == Stat.S_IFDIR) ufs.setxattr(dst, OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0);
                ufs.unlink(upper.host(Paths.join(parent.path(), Whiteouts.ociWhiteoutFor(Paths.name(path)))));
            }
            return opened;
        } catch (FsException | RuntimeException e) {
            if (opened != null) opened.close();
            if (overWhiteout) CopyUp.removeQuietly(ufs, at);
            throw e;
        } finally {
            lookup.invalidate(path);
        }
    }

    private static void makeNode(LayerFs fs, String path, int mode, long rdev, String linkTarget) throws FsException {
        switch (mode & Stat.S_IFMT) {
            case Stat.S_IFDIR -> fs.mkdir(path, mode & 07777);
            case Stat.S_IFLNK -> fs.symlink(linkTarget, path);
            default -> fs.mknod(path, mode, rdev);
        }
    }

    public void link(String from, String to, Caller caller) throws FsException {
        mutate(() -> {
            Node src = lookup.resolve(from);
            if (src.isDir()) throw new FsException(Errno.EPERM, from);
            Node parent = parentDir(to);
            if (lookup.child(parent, Paths.name(to)) != null) throw new FsException(Errno.EEXIST, to);
            copyUp.copyUp(src, true);
            DirLayer upper = upper();
            copyUp.dir(lookup.resolve(Paths.parent(to)));
            Stat there = upper.lstat(to);
            if (there == null) {
                upper.fs().link(upper.host(from), upper.host(to));
            } else {
                String tmp = upper.newTemp();
                upper.fs().link(upper.host(from), tmp);
                upper.fs().rename(tmp, upper.host(to));
            }
            lookup.invalidate(to);
        });
    }

    public void unlink(String path) throws FsException {
        mutate(() -> {
            Node n = lookup.resolve(path);
            if (n.isDir()) throw new FsException(Errno.EISDIR, path);
            remove(copyUp.beforeNameGoes(n));
        });
    }

    public void rmdir(String path) throws FsException {
        mutate(() -> {
            if (path.isEmpty()) throw new FsException(Errno.EBUSY, "/");
            Node n = lookup.resolve(path);
            if (!n.isDir()) throw new FsException(Errno.ENOTDIR, path);
            if (!readdir.isEmpty(n)) throw new FsException(Errno.ENOTEMPTY, path);
            remove(n);
        });
    }

    /** Removes a node from the union: the upper object goes, and a whiteout stays where a lower one would show. */
    private void remove(Node n) throws FsException {
        DirLayer upper = upper();
        Node parent = copyUp.dir(lookup.resolve(Paths.parent(n.path())));
        String dst = upper.host(n.path());
        lookup.invalidate(n.path());
        if (!n.inUpper()) { // a lower object shows at this name: it needs the whiteout without asking the lowers again
            upper.makeWhiteout(n.path());
            return;
        }
        boolean needWhiteout = lookup.lowerPositive(parent, Paths.name(n.path()));
        inodes.forget(n.upper());
        if (needWhiteout) {
            String tmp = upper.newTemp();
            upper.makeWhiteoutAt(tmp);
            if (n.isDir()) {
                upper.fs().renameat2(tmp, dst, Host.RENAME_EXCHANGE);
                CopyUp.removeTree(upper.fs(), tmp);
            } else {
                upper.fs().rename(tmp, dst);
            }
        } else if (n.isDir()) {
            String tmp = upper.newTemp();
            upper.fs().rename(dst, tmp); // may hold whiteouts of entries that no longer exist below
            CopyUp.removeTree(upper.fs(), tmp);
        } else {
            upper.fs().unlink(dst);
        }
    }

    public void rename(String from, String to, int flags) throws FsException {
        mutate(() -> {
            try {
                new Rename(layers, lookup, readdir, copyUp, inodes).rename(from, to, flags);
            } finally {
                lookup.invalidate(from);
                lookup.invalidate(to);
            }
        });
    }

    // ---------------------------------------------------------------- plumbing

    interface Mutation {
        void run() throws FsException;
    }

    interface Change<T> {
        T run() throws FsException;
    }

    private void mutate(Mutation m) throws FsException {
        change(() -> {
            m.run();
            return null;
        });
    }

    /** Runs a change of the layers: one at a time, and lookups that overlap it are not cached. */
    private <T> T change(Change<T> c) throws FsException {
        upper();
        ns.lock();
        lookup.beginChange();
        try {
            return c.run();
        } finally {
            lookup.endChange();
            ns.unlock();
        }
    }
}
