package io.strata.store.block.union;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.writable.WritableLayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A block layer seen as the filesystem an overlay-format upper lives on: paths ("/upper/a/b", "/work/work/#1") are
 * resolved one component at a time through {@link WritableLayer#lookup}, and every call is the layer's call on the
 * inode found. The union's markers are stored as they are on disk (0/0 character devices, trusted.overlay.* xattrs),
 * so the union's semantics are the same code over a directory and over the store.
 */
public final class BlockFs implements LayerFs {
    private static final int MAX_DIRS = 16_384;
    private final WritableLayer layer;
    private final Path statfsFrom;
    /**
     * Directories' inodes by path (components joined by '/'), so that a call on a file does not walk its path from
     * the root. This BlockFs is the layer's only writer, and only rmdir and rename change which directory a path
     * names (a name is created only where none is), so those two clear it; a walk that began before one of them
     * does not fill it ({@link #dirsVersion}).
     */
    private final ConcurrentHashMap<String, Long> dirs = new ConcurrentHashMap<>();
    private volatile long dirsVersion;

    /** statfsFrom: a host directory whose filesystem holds the store (statfs answers for it). */
    public BlockFs(WritableLayer layer, Path statfsFrom) {
        this.layer = layer;
        this.statfsFrom = statfsFrom;
    }

    public WritableLayer layer() {
        return layer;
    }

    // ---- paths ----

    private record Parent(long dir, String name) {
    }

    private static List<String> components(String path) throws FsException {
        List<String> out = new ArrayList<>(8);
        for (int at = 0, n = path.length(); at < n; ) {
            int end = path.indexOf('/', at);
            if (end < 0) end = n;
            if (end > at) {
                String c = path.substring(at, end);
                if (c.equals("..")) throw new FsException(Errno.EINVAL, "'..' in a layer path: " + path);
                if (!c.equals(".")) out.add(c);
            }
            at = end + 1;
        }
        return out;
    }

    /** The inode of a path (not following a final symlink; never following any: layer paths have none). */
    long ino(String path) throws FsException {
        List<String> cs = components(path);
        if (cs.isEmpty()) return layer.rootIno();
        String key = String.join("/", cs);
        Long known = dirs.get(key);
        if (known != null) return known;
        long version = dirsVersion;
        long dir = dirOf(cs, cs.size() - 1, path);
        WritableLayer.Entry e = layer.lookup(dir, cs.get(cs.size() - 1));
        if (e.whiteout()) throw new FsException(Errno.ENOENT, path);
        if (e.type() == Stat.S_IFDIR) rememberDir(key, e.ino(), version);
        return e.ino();
    }

    private Parent parent(String path) throws FsException {
        List<String> cs = components(path);
        if (cs.isEmpty()) throw new FsException(Errno.EBUSY, "the layer root");
        return new Parent(dirOf(cs, cs.size() - 1, path), cs.get(cs.size() - 1));
    }

    /** The directory that the first count components name. */
    private long dirOf(List<String> cs, int count, String path) throws FsException {
        if (count == 0) return layer.rootIno();
        String key = String.join("/", cs.subList(0, count));
        Long known = dirs.get(key);
        if (known != null) return known;
        long version = dirsVersion;
        long dir = layer.rootIno();
        for (int i = 0; i < count; i++) {
            WritableLayer.Entry e = layer.lookup(dir, cs.get(i));
            if (e.whiteout()) throw new FsException(Errno.ENOENT, path);
            if (e.type() != Stat.S_IFDIR) throw new FsException(Errno.ENOTDIR, path);
            dir = e.ino();
        }
        rememberDir(key, dir, version);
        return dir;
    }

    /** Keeps a directory's inode unless a rename or rmdir happened since the walk that found it began. */
    private synchronized void rememberDir(String key, long ino, long version) {
        if (dirsVersion != version) return;
        if (dirs.size() >= MAX_DIRS) dirs.clear();
        dirs.put(key, ino);
    }

    /** After a rename or rmdir (successful or not): no directory path is trusted any more. */
    private synchronized void forgetDirs() {
        dirsVersion = dirsVersion + 1;
        dirs.clear();
    }

    // ---- attributes ----

    @Override
    public Stat lstat(String path) throws FsException {
        return layer.getattr(ino(path));
    }

    @Override
    public Stat lstatOrNull(String path) throws FsException {
        try {
            return lstat(path);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return null;
            throw e;
        }
    }

    @Override
    public void chmod(String path, int mode) throws FsException {
        layer.chmod(ino(path), mode);
    }

    @Override
    public void lchown(String path, int uid, int gid) throws FsException {
        layer.chown(ino(path), uid, gid);
    }

    @Override
    public void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        layer.utimens(ino(path), aSec, aNsec, mSec, mNsec);
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        long ino = ino(path);
        if (layer.getattr(ino).isDir()) throw new FsException(Errno.EISDIR, path);
        layer.truncate(ino, size);
    }

    @Override
    public void access(String path, int mode) throws FsException {
        Stat st = lstat(path);
        if ((mode & 1) != 0 && !st.isDir() && (st.mode() & 0111) == 0) throw new FsException(Errno.EACCES, path);
    }

    @Override
    public Host.StatFs statfs(String path) throws FsException {
        return Host.statfs(statfsFrom.toString());
    }

    // ---- namespace ----

    @Override
    public void mkdir(String path, int mode) throws FsException {
        Parent p = parent(path);
        layer.mkdir(p.dir(), p.name(), mode, 0, 0);
    }

    @Override
    public void rmdir(String path) throws FsException {
        Parent p = parent(path);
        try {
            layer.rmdir(p.dir(), p.name());
        } finally {
            forgetDirs();
        }
    }

    @Override
    public void unlink(String path) throws FsException {
        Parent p = parent(path);
        layer.unlink(p.dir(), p.name());
    }

    @Override
    public void renameat2(String from, String to, int flags) throws FsException {
        Parent a = parent(from), b = parent(to);
        try {
            layer.rename(a.dir(), a.name(), b.dir(), b.name(), flags);
        } finally {
            forgetDirs();
        }
    }

    @Override
    public void symlink(String target, String path) throws FsException {
        Parent p = parent(path);
        layer.symlink(p.dir(), p.name(), target, 0, 0);
    }

    @Override
    public String readlink(String path) throws FsException {
        return layer.readlink(ino(path));
    }

    @Override
    public void link(String existing, String path) throws FsException {
        long ino = ino(existing);
        if (layer.getattr(ino).isDir()) throw new FsException(Errno.EPERM, existing);
        Parent p = parent(path);
        layer.link(ino, p.dir(), p.name());
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws FsException {
        Parent p = parent(path);
        layer.create(p.dir(), p.name(), mode, 0, 0, rdev);
    }

    @Override
    public List<String> list(String dir) throws FsException {
        List<String> out = new ArrayList<>();
        for (WritableLayer.Entry e : layer.readdir(ino(dir))) if (!e.whiteout()) out.add(e.name());
        return out;
    }

    @Override
    public List<Host.DirEntry> listTyped(String dir) throws FsException {
        List<Host.DirEntry> out = new ArrayList<>();
        for (WritableLayer.Entry e : layer.readdir(ino(dir))) {
            if (!e.whiteout()) out.add(new Host.DirEntry(e.name(), e.ino(), (e.type() >> 12) & 017));
        }
        return out;
    }

    // ---- xattrs ----

    /** The namespaces a Linux filesystem accepts; any other name is EOPNOTSUPP, as the VFS answers. */
    private static void checkNamespace(String name) throws FsException {
        if (!name.startsWith("user.") && !name.startsWith("trusted.") && !name.startsWith("security."))
            throw new FsException(Errno.EOPNOTSUPP, name);
    }

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        checkNamespace(name);
        try {
            return layer.getxattr(ino(path), name);
        } catch (FsException e) {
            if (e.errno() == Errno.ENODATA) return null;
            throw e;
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        checkNamespace(name);
        layer.setxattr(ino(path), name, value, flags);
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        checkNamespace(name);
        layer.removexattr(ino(path), name);
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        return layer.listxattr(ino(path));
    }

    // ---- files ----

    @Override
    public LayerFile open(String path, int flags, int mode) throws FsException {
        long ino;
        if ((flags & Host.O_CREAT) != 0) {
            Parent p = parent(path);
            WritableLayer.Entry e = null;
            try {
                e = layer.lookup(p.dir(), p.name());
            } catch (FsException x) {
                if (x.errno() != Errno.ENOENT) throw x;
            }
            if (e != null && !e.whiteout()) {
                if ((flags & Host.O_EXCL) != 0) throw new FsException(Errno.EEXIST, path);
                ino = e.ino();
            } else {
                ino = layer.create(p.dir(), p.name(), Stat.S_IFREG | (mode & 07777), 0, 0, 0).ino();
            }
        } else {
            ino = ino(path);
        }
        Stat st = layer.getattr(ino);
        if (st.isDir() && (flags & Host.O_ACCMODE) != Host.O_RDONLY) throw new FsException(Errno.EISDIR, path);
        if (st.isSymlink()) throw new FsException(Errno.ELOOP, path);
        if ((flags & Host.O_TRUNC) != 0 && (flags & Host.O_ACCMODE) != Host.O_RDONLY && st.isRegular()) layer.truncate(ino, 0);
        return new BlockFile(layer, ino, (flags & Host.O_APPEND) != 0);
    }

    @Override
    public boolean createBackedFile(String path, Stat attrs, String originHostPath) throws FsException {
        Parent p = parent(path);
        layer.copyUpMetadata(p.dir(), p.name(), attrs, originHostPath);
        return true;
    }

    @Override
    public boolean isHost() {
        return false;
    }
}
