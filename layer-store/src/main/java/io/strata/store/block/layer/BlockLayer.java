package io.strata.store.block.layer;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;
import io.strata.core.writable.WritableLayer;
import io.strata.store.block.blocks.BlockMap;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Directories;
import io.strata.store.block.inode.Dirent;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.inode.InodeNumbers;
import io.strata.store.block.inode.Inodes;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Txn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's writable layer in the block store (or a read-only view of a snapshot). Every change is one
 * {@link Txn}: one atomic WriteBatch into the head generation, not synced (fsync syncs the WAL, which covers every
 * change made before it, since RocksDB applies batches in order).
 *
 * <p>Locking: changes take the head's lock (so they are ordered with each other and with snapshots); lookups, reads
 * and getattr read the current chain without locking.
 */
public final class BlockLayer implements WritableLayer {
    /** rename flag: leave a whiteout where the source was (overlayfs' RENAME_WHITEOUT). */
    public static final int RENAME_WHITEOUT = 4;
    private static final int NAME_MAX = 255, XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536;

    private final StoreDb db;
    private final BlockMap map;
    private final InodeNumbers inos;
    private final Head head;
    private final Chain fixed;
    private final Runnable onClose;

    /** A writable layer over the container's head (fixed == null), or a read-only view of the chain fixed. */
    public BlockLayer(StoreDb db, BlockMap map, InodeNumbers inos, Head head, Chain fixed, Runnable onClose) {
        this.db = db;
        this.map = map;
        this.inos = inos;
        this.head = head;
        this.fixed = fixed;
        this.onClose = onClose;
    }

    private Chain chain() {
        return fixed != null ? fixed : head.chain();
    }

    public boolean readOnly() {
        return fixed != null;
    }

    private interface Change<T> {
        T apply(Txn t, Chain c) throws FsException;
    }

    private <T> T change(Change<T> op) throws FsException {
        if (fixed != null) throw new FsException(Errno.EROFS);
        head.lock.lock();
        Chain c = head.chain();
        try (Txn t = new Txn(db, c)) {
            T r = op.apply(t, c);
            head.changed(true);
            t.commit(false);
            return r;
        } finally {
            head.lock.unlock();
        }
    }

    private static void checkName(String name) throws FsException {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) throw new FsException(Errno.EINVAL, name);
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) throw new FsException(Errno.ENAMETOOLONG, name);
    }

    private static void checkNewName(String name) throws FsException {
        if (name.equals(".") || name.equals("..")) throw new FsException(Errno.EEXIST, name);
        checkName(name);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public long rootIno() {
        return head.rootIno;
    }

    @Override
    public Entry lookup(long dir, String name) throws FsException {
        Chain c = chain();
        Inodes.checkDir(db, c, dir);
        checkName(name);
        Dirent e = Directories.lookup(db, c, dir, name);
        if (e == null) throw new FsException(Errno.ENOENT, name);
        return entry(name, e);
    }

    private static Entry entry(String name, Dirent e) {
        return new Entry(name, e.ino(), e.type(), e.whiteout());
    }

    @Override
    public Stat getattr(long ino) throws FsException {
        return stat(Inodes.get(db, chain(), ino));
    }

    private static Stat stat(Inode n) {
        return new Stat(n.ino, 0, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.size, BlockMap.blocks512(n), 4096,
                n.atimeSec, n.atimeNsec, n.mtimeSec, n.mtimeNsec, n.ctimeSec, n.ctimeNsec);
    }

    @Override
    public List<Entry> readdir(long dir) throws FsException {
        Chain c = chain();
        Inodes.checkDir(db, c, dir);
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, Dirent> e : Directories.list(db, c, dir).entrySet()) out.add(entry(e.getKey(), e.getValue()));
        return out;
    }

    @Override
    public boolean isOpaque(long dir) throws FsException {
        return Inodes.dir(db, chain(), dir).opaque;
    }

    @Override
    public String readlink(long ino) throws FsException {
        Inode n = Inodes.get(db, chain(), ino);
        if (!n.isSymlink()) throw new FsException(Errno.EINVAL);
        return new String(n.inline, StandardCharsets.UTF_8);
    }

    @Override
    public int read(long ino, long offset, byte[] buf, int off, int len) throws FsException {
        Chain c = chain();
        return map.read(c, forRead(c, ino), offset, buf, off, len);
    }

    @Override
    public HostRange hostRange(long ino, long offset, long size) throws FsException {
        Chain c = chain();
        return map.hostRange(c, forRead(c, ino), offset, size);
    }

    /**
     * Each reading thread's last inode read, reused while the chain and the database's sequence number are the ones it
     * was read at (any write moves the number): random reads of one file then cost no get and decode of its inode.
     */
    private final ThreadLocal<Recent> recent = new ThreadLocal<>();

    private record Recent(long seq, Chain chain, Inode inode) {
    }

    /** The regular file ino as of chain c, for reading only (it may be the thread's recent one: never changed). */
    private Inode forRead(Chain c, long ino) throws FsException {
        long seq = db.rocks().getLatestSequenceNumber(); // before the get: the inode read is at least this new
        Recent r = recent.get();
        if (r != null && r.seq == seq && r.chain == c && r.inode.ino == ino) return r.inode;
        Inode n = regular(Inodes.get(db, c, ino));
        recent.set(new Recent(seq, c, n));
        return n;
    }

    private static Inode regular(Inode n) throws FsException {
        if (n.isDir()) throw new FsException(Errno.EISDIR);
        if (!n.isRegular()) throw new FsException(Errno.EINVAL);
        return n;
    }

    @Override
    public byte[] getxattr(long ino, String name) throws FsException {
        byte[] v = Inodes.get(db, chain(), ino).xattrs.get(name);
        if (v == null) throw new FsException(Errno.ENODATA, name);
        return v.clone();
    }

    @Override
    public List<String> listxattr(long ino) throws FsException {
        return new ArrayList<>(Inodes.get(db, chain(), ino).xattrs.keySet());
    }

    // ---------------------------------------------------------------- namespace changes

    private Inode newInode(int mode, int uid, int gid, long parent, String name) throws FsException {
        Inode n = new Inode(inos.allocate());
        n.mode = mode;
        n.uid = uid;
        n.gid = gid;
        n.nlink = 1;
        n.parent = parent;
        n.name = name;
        n.touchTimes(true, true, true);
        return n;
    }

    /** The parent directory, with name free in it (a whiteout there is replaced). */
    private Inode freeSlot(Chain c, long dir, String name) throws FsException {
        checkNewName(name);
        Inode parent = Inodes.dir(db, c, dir);
        Dirent e = Directories.lookup(db, c, dir, name);
        if (e != null && !e.whiteout()) throw new FsException(Errno.EEXIST, name);
        return parent;
    }

    private Entry link(Txn t, Chain c, Inode parent, String name, Inode n) throws FsException {
        Dirent e = new Dirent(n.ino, n.type(), false);
        Directories.put(t, c, parent.ino, name, e);
        Inodes.put(t, c, n);
        parent.touchTimes(false, true, true);
        Inodes.put(t, c, parent);
        return entry(name, e);
    }

    @Override
    public Entry create(long dir, String name, int mode, int uid, int gid, long rdev) throws FsException {
        int type = (mode & Inode.S_IFMT) == 0 ? Inode.S_IFREG : mode & Inode.S_IFMT;
        if (type == Inode.S_IFDIR || type == Inode.S_IFLNK) throw new FsException(Errno.EINVAL, name);
        return change((t, c) -> {
            Inode parent = freeSlot(c, dir, name);
            Inode n = newInode(type | (mode & 07777), uid, gid, dir, name);
            n.rdev = type == Inode.S_IFREG ? 0 : rdev;
            if (type == Inode.S_IFREG) n.inline = new byte[0];
            return link(t, c, parent, name, n);
        });
    }

    @Override
    public Entry mkdir(long dir, String name, int mode, int uid, int gid) throws FsException {
        return change((t, c) -> {
            Inode parent = freeSlot(c, dir, name);
            Inode n = newInode(Inode.S_IFDIR | (mode & 07777), uid, gid, dir, name);
            n.nlink = 2;
            n.size = 4096;
            parent.nlink++;
            return link(t, c, parent, name, n);
        });
    }

    @Override
    public Entry symlink(long dir, String name, String target, int uid, int gid) throws FsException {
        byte[] tb = target.getBytes(StandardCharsets.UTF_8);
        if (tb.length == 0) throw new FsException(Errno.ENOENT);
        if (tb.length > 4095) throw new FsException(Errno.ENAMETOOLONG);
        return change((t, c) -> {
            Inode parent = freeSlot(c, dir, name);
            Inode n = newInode(Inode.S_IFLNK | 0777, uid, gid, dir, name);
            n.inline = tb;
            n.size = tb.length;
            return link(t, c, parent, name, n);
        });
    }

    @Override
    public Entry copyUpMetadata(long dir, String name, Stat attrs, String origin) throws FsException {
        if (!attrs.isRegular()) throw new FsException(Errno.EINVAL, "copy-up by origin is for regular files: " + name);
        return change((t, c) -> {
            Inode parent = freeSlot(c, dir, name);
            Inode n = newInode(attrs.mode(), attrs.uid(), attrs.gid(), dir, name);
            n.size = attrs.size();
            n.origin = origin;
            n.originLimit = attrs.size();
            n.atimeSec = attrs.atimeSec();
            n.atimeNsec = (int) attrs.atimeNsec();
            n.mtimeSec = attrs.mtimeSec();
            n.mtimeNsec = (int) attrs.mtimeNsec();
            return link(t, c, parent, name, n);
        });
    }

    @Override
    public void whiteout(long dir, String name) throws FsException {
        checkNewName(name);
        change((t, c) -> {
            Inode parent = Inodes.dir(db, c, dir);
            Dirent e = Directories.lookup(db, c, dir, name);
            if (e != null && !e.whiteout()) {
                if (e.type() == Inode.S_IFDIR) throw new FsException(Errno.EISDIR, name);
                dropLink(t, c, e.ino());
            }
            Directories.put(t, c, dir, name, Dirent.WHITEOUT_ENTRY);
            parent.touchTimes(false, true, true);
            Inodes.put(t, c, parent);
            return null;
        });
    }

    @Override
    public void setOpaque(long dir, boolean opaque) throws FsException {
        change((t, c) -> {
            Inode n = Inodes.dir(db, c, dir);
            n.opaque = opaque;
            Inodes.put(t, c, n);
            return null;
        });
    }

    @Override
    public void link(long ino, long newDir, String newName) throws FsException {
        change((t, c) -> {
            Inode n = Inodes.get(db, c, ino);
            if (n.isDir()) throw new FsException(Errno.EPERM, "hard link to a directory");
            Inode parent = freeSlot(c, newDir, newName);
            n.nlink++;
            n.touchTimes(false, false, true);
            link(t, c, parent, newName, n);
            return null;
        });
    }

    /** One link of a non-directory less; the inode and its data go with the last. */
    private void dropLink(Txn t, Chain c, long ino) throws FsException {
        Inode n = Inodes.get(db, c, ino);
        if (--n.nlink > 0) {
            n.touchTimes(false, false, true);
            Inodes.put(t, c, n);
            return;
        }
        Inodes.remove(t, c, ino);
        if (n.isRegular()) map.release(t, c, n);
    }

    @Override
    public void unlink(long dir, String name) throws FsException {
        checkName(name);
        change((t, c) -> {
            Inode parent = Inodes.dir(db, c, dir);
            Dirent e = Directories.lookup(db, c, dir, name);
            if (e == null) throw new FsException(Errno.ENOENT, name);
            if (!e.whiteout()) {
                if (e.type() == Inode.S_IFDIR) throw new FsException(Errno.EISDIR, name);
                dropLink(t, c, e.ino());
            }
            Directories.remove(t, c, dir, name);
            parent.touchTimes(false, true, true);
            Inodes.put(t, c, parent);
            return null;
        });
    }

    /** ENOTEMPTY unless the directory holds nothing but whiteouts (which go with it, as in overlayfs' upper). */
    private void checkEmpty(Chain c, long dir) throws FsException {
        for (Dirent e : Directories.list(db, c, dir).values())
            if (!e.whiteout()) throw new FsException(Errno.ENOTEMPTY);
    }

    private void removeDir(Txn t, Chain c, long ino) throws FsException {
        Inodes.remove(t, c, ino);
        t.deleteRange(db.dirents, Keys.inodePrefix(c.head(), ino), Keys.inodePrefix(c.head(), ino + 1));
    }

    @Override
    public void rmdir(long dir, String name) throws FsException {
        checkName(name);
        if (name.equals(".")) throw new FsException(Errno.EINVAL);
        if (name.equals("..")) throw new FsException(Errno.ENOTEMPTY);
        change((t, c) -> {
            Inode parent = Inodes.dir(db, c, dir);
            Dirent e = Directories.lookup(db, c, dir, name);
            if (e == null || e.whiteout()) throw new FsException(Errno.ENOENT, name);
            if (e.type() != Inode.S_IFDIR) throw new FsException(Errno.ENOTDIR, name);
            checkEmpty(c, e.ino());
            removeDir(t, c, e.ino());
            Directories.remove(t, c, dir, name);
            parent.nlink--;
            parent.touchTimes(false, true, true);
            Inodes.put(t, c, parent);
            return null;
        });
    }

    @Override
    public void rename(long dir, String name, long newDir, String newName, int flags) throws FsException {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_WHITEOUT | RENAME_EXCHANGE)) != 0) throw new FsException(Errno.EINVAL, "rename flags");
        if ((flags & RENAME_EXCHANGE) != 0 && flags != RENAME_EXCHANGE) throw new FsException(Errno.EINVAL, "rename flags");
        checkName(name);
        checkNewName(newName);
        if (name.equals(".") || name.equals("..")) throw new FsException(Errno.EBUSY);
        if ((flags & RENAME_EXCHANGE) != 0) {
            exchange(dir, name, newDir, newName);
            return;
        }
        change((t, c) -> {
            Map<Long, Inode> dirty = new HashMap<>();
            Inode from = Inodes.dir(db, c, dir);
            dirty.put(dir, from);
            Inode to = dirty.containsKey(newDir) ? dirty.get(newDir) : Inodes.dir(db, c, newDir);
            dirty.put(newDir, to);
            Dirent src = Directories.lookup(db, c, dir, name);
            if (src == null || src.whiteout()) throw new FsException(Errno.ENOENT, name);
            if (dir == newDir && name.equals(newName)) return null;
            Dirent dst = Directories.lookup(db, c, newDir, newName);
            boolean replacing = dst != null && !dst.whiteout();
            boolean srcDir = src.type() == Inode.S_IFDIR;
            if (replacing) {
                if ((flags & RENAME_NOREPLACE) != 0) throw new FsException(Errno.EEXIST, newName);
                if (dst.ino() == src.ino()) return null; // two links of one inode: POSIX says do nothing
                boolean dstDir = dst.type() == Inode.S_IFDIR;
                if (srcDir && !dstDir) throw new FsException(Errno.ENOTDIR, newName);
                if (!srcDir && dstDir) throw new FsException(Errno.EISDIR, newName);
                if (dstDir) checkEmpty(c, dst.ino());
            }
            if (srcDir) {
                for (long p = newDir; ; ) {
                    if (p == src.ino()) throw new FsException(Errno.EINVAL, "rename of a directory into itself");
                    if (p == head.rootIno) break;
                    Inode pi = dirty.containsKey(p) ? dirty.get(p) : Inodes.get(db, c, p);
                    if (pi.parent == 0 || pi.parent == p) break;
                    p = pi.parent;
                }
            }
            if (replacing) {
                if (dst.type() == Inode.S_IFDIR) {
                    removeDir(t, c, dst.ino());
                    to.nlink--;
                } else {
                    dropLink(t, c, dst.ino());
                }
            }
            if ((flags & RENAME_WHITEOUT) != 0) Directories.put(t, c, dir, name, Dirent.WHITEOUT_ENTRY);
            else Directories.remove(t, c, dir, name);
            Directories.put(t, c, newDir, newName, src);
            Inode moved = dirty.containsKey(src.ino()) ? dirty.get(src.ino()) : Inodes.get(db, c, src.ino());
            dirty.put(src.ino(), moved);
            if (srcDir && dir != newDir) {
                from.nlink--;
                to.nlink++;
            }
            if (srcDir || (moved.parent == dir && name.equals(moved.name))) {
                moved.parent = newDir;
                moved.name = newName;
            }
            moved.touchTimes(false, false, true);
            from.touchTimes(false, true, true);
            to.touchTimes(false, true, true);
            for (Inode n : dirty.values()) Inodes.put(t, c, n);
            return null;
        });
    }

    /** RENAME_EXCHANGE: both names exist and swap their objects, in one batch. */
    private void exchange(long dir, String name, long newDir, String newName) throws FsException {
        change((t, c) -> {
            Map<Long, Inode> dirty = new HashMap<>();
            Inode from = Inodes.dir(db, c, dir);
            dirty.put(dir, from);
            Inode to = dirty.containsKey(newDir) ? dirty.get(newDir) : Inodes.dir(db, c, newDir);
            dirty.put(newDir, to);
            Dirent a = Directories.lookup(db, c, dir, name);
            Dirent b = Directories.lookup(db, c, newDir, newName);
            if (a == null || a.whiteout()) throw new FsException(Errno.ENOENT, name);
            if (b == null || b.whiteout()) throw new FsException(Errno.ENOENT, newName);
            if (a.ino() == b.ino()) return null;
            boolean aDir = a.type() == Inode.S_IFDIR, bDir = b.type() == Inode.S_IFDIR;
            if (aDir) refuseInto(c, dirty, a.ino(), newDir);
            if (bDir) refuseInto(c, dirty, b.ino(), dir);
            Directories.put(t, c, dir, name, b);
            Directories.put(t, c, newDir, newName, a);
            if (dir != newDir) {
                if (aDir) {
                    from.nlink--;
                    to.nlink++;
                }
                if (bDir) {
                    to.nlink--;
                    from.nlink++;
                }
            }
            moveNamed(c, dirty, a, aDir, dir, name, newDir, newName);
            moveNamed(c, dirty, b, bDir, newDir, newName, dir, name);
            from.touchTimes(false, true, true);
            to.touchTimes(false, true, true);
            for (Inode n : dirty.values()) Inodes.put(t, c, n);
            return null;
        });
    }

    /** EINVAL when target is movedDir or below it (a directory cannot move into itself). */
    private void refuseInto(Chain c, Map<Long, Inode> dirty, long movedDir, long target) throws FsException {
        for (long p = target; ; ) {
            if (p == movedDir) throw new FsException(Errno.EINVAL, "rename of a directory into itself");
            if (p == head.rootIno) return;
            Inode pi = dirty.containsKey(p) ? dirty.get(p) : Inodes.get(db, c, p);
            if (pi.parent == 0 || pi.parent == p) return;
            p = pi.parent;
        }
    }

    /** The inode's remembered name follows a move (directories always; files when it was this link). */
    private void moveNamed(Chain c, Map<Long, Inode> dirty, Dirent e, boolean isDir, long oldDir, String oldName,
                           long newDir, String newName) throws FsException {
        Inode moved = dirty.containsKey(e.ino()) ? dirty.get(e.ino()) : Inodes.get(db, c, e.ino());
        dirty.put(e.ino(), moved);
        if (isDir || (moved.parent == oldDir && oldName.equals(moved.name))) {
            moved.parent = newDir;
            moved.name = newName;
        }
        moved.touchTimes(false, false, true);
    }

    // ---------------------------------------------------------------- data and attributes

    @Override
    public void write(long ino, long offset, byte[] buf, int off, int len) throws FsException {
        change((t, c) -> {
            Inode n = regular(Inodes.get(db, c, ino));
            map.write(t, c, n, offset, buf, off, len);
            n.touchTimes(false, true, true);
            Inodes.put(t, c, n);
            return null;
        });
    }

    @Override
    public long append(long ino, byte[] buf, int off, int len) throws FsException {
        return change((t, c) -> {
            Inode n = regular(Inodes.get(db, c, ino));
            long at = n.size;
            map.write(t, c, n, at, buf, off, len);
            n.touchTimes(false, true, true);
            Inodes.put(t, c, n);
            return at;
        });
    }

    @Override
    public void truncate(long ino, long size) throws FsException {
        change((t, c) -> {
            Inode n = regular(Inodes.get(db, c, ino));
            map.truncate(t, c, n, size);
            n.touchTimes(false, true, true);
            Inodes.put(t, c, n);
            return null;
        });
    }

    @Override
    public void fallocate(long ino, int mode, long offset, long length) throws FsException {
        if (offset < 0 || length <= 0) throw new FsException(Errno.EINVAL);
        boolean keep = (mode & FALLOC_FL_KEEP_SIZE) != 0, punch = (mode & FALLOC_FL_PUNCH_HOLE) != 0;
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) != 0 || (punch && !keep))
            throw new FsException(Errno.EOPNOTSUPP, "fallocate mode " + mode);
        change((t, c) -> {
            Inode n = regular(Inodes.get(db, c, ino));
            if (punch) map.punch(t, c, n, offset, length);
            else if (!keep && offset + length > n.size) map.truncate(t, c, n, offset + length);
            else return null; // space is not reserved ahead: there is nothing else to do
            n.touchTimes(false, true, true);
            Inodes.put(t, c, n);
            return null;
        });
    }

    private void attrs(long ino, AttrChange f) throws FsException {
        change((t, c) -> {
            Inode n = Inodes.get(db, c, ino);
            f.apply(n);
            n.touchTimes(false, false, true);
            Inodes.put(t, c, n);
            return null;
        });
    }

    private interface AttrChange {
        void apply(Inode n) throws FsException;
    }

    @Override
    public void chmod(long ino, int mode) throws FsException {
        attrs(ino, n -> n.mode = (n.mode & Inode.S_IFMT) | (mode & 07777));
    }

    /**
     * As chown(2) by this process (root) on a local filesystem, which the upper directory gets from its host: a
     * non-directory loses set-user-id, and set-group-id where its group may execute (notify_change's ATTR_KILL_SUID and
     * ATTR_KILL_SGID; the caller's own rules are the union's, UnionFs.killSuidgid).
     */
    @Override
    public void chown(long ino, int uid, int gid) throws FsException {
        attrs(ino, n -> {
            if (uid != -1) n.uid = uid;
            if (gid != -1) n.gid = gid;
            if (!n.isDir()) {
                n.mode &= ~Stat.S_ISUID;
                if ((n.mode & 0010) != 0) n.mode &= ~Stat.S_ISGID;
            }
        });
    }

    @Override
    public void utimens(long ino, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        long now = System.currentTimeMillis();
        long nowSec = now / 1000, nowNsec = (now % 1000) * 1_000_000;
        attrs(ino, n -> {
            if (aNsec != UTIME_OMIT) {
                boolean useNow = aNsec == UTIME_NOW;
                n.atimeSec = useNow ? nowSec : aSec;
                n.atimeNsec = (int) (useNow ? nowNsec : aNsec);
            }
            if (mNsec != UTIME_OMIT) {
                boolean useNow = mNsec == UTIME_NOW;
                n.mtimeSec = useNow ? nowSec : mSec;
                n.mtimeNsec = (int) (useNow ? nowNsec : mNsec);
            }
        });
    }

    @Override
    public void setxattr(long ino, String name, byte[] value, int flags) throws FsException {
        if (name.isEmpty() || name.length() > XATTR_NAME_MAX) throw new FsException(Errno.ERANGE, name);
        if (value.length > XATTR_SIZE_MAX) throw new FsException(Errno.E2BIG, name);
        attrs(ino, n -> {
            boolean has = n.xattrs.containsKey(name);
            if ((flags & XATTR_CREATE) != 0 && has) throw new FsException(Errno.EEXIST, name);
            if ((flags & XATTR_REPLACE) != 0 && !has) throw new FsException(Errno.ENODATA, name);
            n.xattrs.put(name, value.clone());
        });
    }

    @Override
    public void removexattr(long ino, String name) throws FsException {
        attrs(ino, n -> {
            if (n.xattrs.remove(name) == null) throw new FsException(Errno.ENODATA, name);
        });
    }

    @Override
    public void fsync(long ino, boolean dataOnly) throws FsException {
        if (fixed == null) db.syncFile(ino);
    }

    @Override
    public void close() {
        if (onClose != null) onClose.run();
    }
}
