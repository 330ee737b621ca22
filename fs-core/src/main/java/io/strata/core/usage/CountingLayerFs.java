package io.strata.core.usage;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.layerfs.LayerFs;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upper's filesystem, counting: each call passes through, and each change adds to {@link UpperUsage} the
 * st_blocks delta of the inodes it touched (the object, and the directory whose entries changed: directories grow
 * by blocks) and ±1 inode for objects made and dropped — never a walk. Counted are the upper tree (its root
 * included) and the contents of the work directory.
 *
 * <p>Hard links: an inode counts once; it is dropped when its last name goes (nlink was 1), as DiskUsage counts it
 * while one name is left. A file unlinked while open stops counting at the unlink (a walk no longer sees it). Limits:
 * a link or rename from outside the counted trees (the kernel's {@code index/} directory, adopted at mount) makes the
 * counters walk again when next read; an inode whose other names are only in {@code index/} is kept when its last
 * upper name goes.
 *
 * <p>Files open for writing are {@link CountingFile}s; one {@link OpenInode} per inode holds the st_blocks last
 * counted for it, so that writers through several descriptors, and path calls (truncate, setxattr) beside them,
 * count each change once.
 */
final class CountingLayerFs implements LayerFs {
    private final LayerFs fs;
    private final String root, rootSlash, workSlash;
    private final UpperUsage usage;
    private final ConcurrentHashMap<Long, OpenInode> open = new ConcurrentHashMap<>();

    /** An inode with files open for writing: the allocated bytes counted for it so far. */
    static final class OpenInode {
        final long ino;
        long counted;
        int files;
        boolean dropped; // unlinked: not counted any more

        OpenInode(long ino, long counted) {
            this.ino = ino;
            this.counted = counted;
        }
    }

    CountingLayerFs(LayerFs fs, String upperRoot, String workDir, UpperUsage usage) {
        this.fs = fs;
        this.root = upperRoot;
        this.rootSlash = upperRoot + "/";
        this.workSlash = workDir + "/";
        this.usage = usage;
    }

    UpperUsage usage() {
        return usage;
    }

    private boolean counted(String path) {
        return path.startsWith(rootSlash) || path.equals(root) || path.startsWith(workSlash);
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private static long bytes(Stat st) {
        return st.blocks() * 512;
    }

    private interface Change {
        void run() throws FsException;
    }

    /** A change of the entries of path's directory: its own blocks may change with them. */
    private void inDirOf(String path, Change c) throws FsException {
        String dir = parent(path);
        if (!counted(dir)) {
            c.run();
            return;
        }
        long before = bytes(fs.lstat(dir));
        c.run();
        usage.add(bytes(fs.lstat(dir)) - before, 0);
    }

    /** A change of the entries of two directories (rename). */
    private void inDirsOf(String a, String b, Change c) throws FsException {
        String da = parent(a), db = parent(b);
        if (da.equals(db)) {
            inDirOf(a, c);
        } else {
            inDirOf(a, () -> inDirOf(b, c));
        }
    }

    /** A new object at path (its name counted by the caller's inDirOf). */
    private void made(String path) throws FsException {
        if (counted(path)) usage.add(bytes(fs.lstat(path)), 1);
    }

    /** A name of the object whose stat was st is gone. */
    private void nameGone(Stat st) {
        if (!st.isDir() && st.nlink() > 1) return; // other names keep it
        OpenInode oi = st.isRegular() ? open.get(st.ino()) : null;
        if (oi == null) {
            usage.add(-bytes(st), -1);
            return;
        }
        synchronized (oi) {
            if (!oi.dropped) usage.add(-oi.counted, -1);
            oi.dropped = true;
        }
        open.remove(st.ino(), oi);
    }

    /** An attribute change that may allocate (xattrs beyond the inode, truncate): the object's own delta. */
    private void touch(String path, Change c) throws FsException {
        if (!counted(path)) {
            c.run();
            return;
        }
        Stat before = fs.lstat(path);
        OpenInode oi = before.isRegular() ? open.get(before.ino()) : null;
        c.run();
        if (oi != null) settle(oi, () -> fs.lstat(path));
        else usage.add(bytes(fs.lstat(path)) - bytes(before), 0);
    }

    interface StatSource {
        Stat stat() throws FsException;
    }

    /** Counts an open inode's st_blocks change since it was last counted. */
    void settle(OpenInode oi, StatSource now) {
        synchronized (oi) {
            if (oi.dropped) return;
            try {
                long b = bytes(now.stat()); // under the lock: two settles never count one change twice
                usage.add(b - oi.counted, 0);
                oi.counted = b;
            } catch (FsException e) {
                usage.markStale();
            }
        }
    }

    void closed(OpenInode oi) {
        synchronized (open) {
            if (--oi.files == 0) open.remove(oi.ino, oi);
        }
    }

    // ---- LayerFs: changes ----

    @Override
    public void mkdir(String path, int mode) throws FsException {
        inDirOf(path, () -> {
            fs.mkdir(path, mode);
            made(path);
        });
    }

    @Override
    public void symlink(String target, String path) throws FsException {
        inDirOf(path, () -> {
            fs.symlink(target, path);
            made(path);
        });
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws FsException {
        inDirOf(path, () -> {
            fs.mknod(path, mode, rdev);
            made(path);
        });
    }

    @Override
    public void rmdir(String path) throws FsException {
        removeName(path, () -> fs.rmdir(path));
    }

    @Override
    public void unlink(String path) throws FsException {
        removeName(path, () -> fs.unlink(path));
    }

    private void removeName(String path, Change c) throws FsException {
        if (!counted(path)) {
            c.run();
            return;
        }
        inDirOf(path, () -> {
            Stat st = fs.lstat(path);
            c.run();
            nameGone(st);
        });
    }

    @Override
    public void renameat2(String from, String to, int flags) throws FsException {
        boolean cf = counted(from), ct = counted(to);
        if (cf != ct) {
            rename(from, to, flags);
            usage.markStale();
            return;
        }
        if (!cf) {
            rename(from, to, flags);
            return;
        }
        inDirsOf(from, to, () -> {
            Stat replaced = (flags & Host.RENAME_EXCHANGE) != 0 ? null : fs.lstatOrNull(to);
            if (replaced != null && replaced.ino() == fs.lstat(from).ino()) replaced = null; // two names of one file
            rename(from, to, flags);
            if (replaced != null) nameGone(replaced);
        });
    }

    private void rename(String from, String to, int flags) throws FsException {
        if (flags == 0) fs.rename(from, to);
        else fs.renameat2(from, to, flags);
    }

    @Override
    public void link(String existing, String path) throws FsException {
        inDirOf(path, () -> {
            fs.link(existing, path);
            if (counted(path) && !counted(existing)) usage.markStale(); // the inode may or may not be counted yet
        });
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        touch(path, () -> fs.truncate(path, size));
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        touch(path, () -> fs.setxattr(path, name, value, flags));
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        touch(path, () -> fs.removexattr(path, name));
    }

    @Override
    public LayerFile open(String path, int flags, int mode) throws FsException {
        boolean create = (flags & Host.O_CREAT) != 0;
        boolean trunc = (flags & Host.O_TRUNC) != 0;
        boolean writes = (flags & Host.O_ACCMODE) != Host.O_RDONLY || trunc;
        if (!counted(path) || !create && !writes) return fs.open(path, flags, mode);
        LayerFile[] f = new LayerFile[1];
        Stat[] now = new Stat[1];
        Change open = () -> {
            boolean isNew = create && (flags & Host.O_EXCL) != 0;
            Stat before = isNew || !create && !trunc ? null : fs.lstatOrNull(path);
            f[0] = fs.open(path, flags, mode);
            try {
                now[0] = f[0].stat();
                if (isNew || create && before == null) usage.add(bytes(now[0]), 1);
                else if (trunc) truncated(before, now[0]);
            } catch (FsException | RuntimeException e) {
                f[0].close();
                throw e;
            }
        };
        if (create) inDirOf(path, open);
        else open.run();
        return writes ? new CountingFile(f[0], this, inode(now[0]), usage) : f[0];
    }

    /** open(O_TRUNC) of an existing file freed its blocks. */
    private void truncated(Stat before, Stat now) {
        OpenInode oi = open.get(now.ino());
        if (oi != null) settle(oi, () -> now);
        else usage.add(bytes(now) - bytes(before), 0);
    }

    private OpenInode inode(Stat st) {
        synchronized (open) {
            OpenInode oi = open.computeIfAbsent(st.ino(), ino -> new OpenInode(ino, bytes(st)));
            oi.files++;
            return oi;
        }
    }

    @Override
    public boolean createBackedFile(String path, Stat attrs, String originHostPath) throws FsException {
        if (!counted(path)) return fs.createBackedFile(path, attrs, originHostPath);
        boolean[] made = new boolean[1];
        inDirOf(path, () -> {
            made[0] = fs.createBackedFile(path, attrs, originHostPath);
            if (made[0]) made(path);
        });
        return made[0];
    }

    // ---- LayerFs: no change of allocation ----

    @Override
    public Stat lstat(String path) throws FsException {
        return fs.lstat(path);
    }

    @Override
    public Stat lstatOrNull(String path) throws FsException {
        return fs.lstatOrNull(path);
    }

    @Override
    public String readlink(String path) throws FsException {
        return fs.readlink(path);
    }

    @Override
    public void chmod(String path, int mode) throws FsException {
        fs.chmod(path, mode);
    }

    @Override
    public void lchown(String path, int uid, int gid) throws FsException {
        fs.lchown(path, uid, gid);
    }

    @Override
    public void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        fs.utimens(path, aSec, aNsec, mSec, mNsec);
    }

    @Override
    public void access(String path, int mode) throws FsException {
        fs.access(path, mode);
    }

    @Override
    public Host.StatFs statfs(String path) throws FsException {
        return fs.statfs(path);
    }

    @Override
    public List<String> list(String dir) throws FsException {
        return fs.list(dir);
    }

    @Override
    public List<Host.DirEntry> listTyped(String dir) throws FsException {
        return fs.listTyped(dir);
    }

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        return fs.getxattr(path, name);
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        return fs.listxattr(path);
    }

    @Override
    public boolean isHost() {
        return fs.isHost();
    }
}
