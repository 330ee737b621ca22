package io.strata.store.block.pages;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layerfs.HostRange;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;
import java.util.stream.Stream;

/**
 * The bytes of paged unit values (see {@link io.strata.store.block.blocks.Unit}): one sparse host file per
 * (generation, inode), {@code DB/pages/GEN/INO}, holding each present page at its own file offset. RocksDB keeps
 * only the unit's header, so file data is written once (here) instead of three times (WAL, memtable, SST).
 *
 * <p>Only the head generation's files are written, and only under the head's lock, before the batch whose header
 * describes the bytes is committed; a frozen generation's files are never written again (except holes punched for
 * pages a prune deleted). Writes are not synced: {@link #sync} (fsync of one inode) and {@link #syncAll} (before
 * the WAL is synced for a synced batch) make them durable, new files' directory entries included. A dropped
 * generation's directory is renamed into the {@link Trash}, whose thread deletes it after the request.
 *
 * <p>Open files are cached (at most {@link #MAX_OPEN} descriptors, least recently used closed first); a descriptor is
 * closed only when no call is using it, so a number is never reused under a running pread.
 */
public final class PageFiles implements AutoCloseable {
    static final int MAX_OPEN = 256;
    /**
     * Writeback of a file is started after this many bytes written to it (as RocksDB's bytes_per_sync), so that a
     * synced batch (a snapshot) finds little left to flush: without it, a snapshot after a 1 GiB write waited ~330 ms.
     * Not 1 MiB: that halved what a snapshot right after writes flushes (create after 8 MiB of writes 4.8 -> 3.0 ms over
     * the daemon's socket, 1.3 ms unchanged, on a fresh journaled ext4), but made the 1 GiB write into the store slower
     * (paired medians 2.05 -> 2.70 s wall, 1.51 -> 2.18 s server CPU; with the kicks on a thread of their own still
     * +5-18% wall and +10-24% CPU).
     */
    static final long WRITEBACK_EVERY = 4L << 20;
    private static final int CHUNK = 256 * 1024;
    private static final ThreadLocal<Pointer> BUF =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), CHUNK));

    private final Path dir;
    private final long from;
    private final Map<Key, Fd> open = new LinkedHashMap<>(64, 0.75f, true);
    /**
     * Files written since their last sync; directories whose new entries are not synced yet; generations whose own
     * directory's entry in dir is not synced yet (kept apart so that a generation about to be dropped costs no fsync of
     * dir, see {@link #skipSync}).
     */
    private final Set<Key> dirty = ConcurrentHashMap.newKeySet();
    private final Set<Path> newEntries = ConcurrentHashMap.newKeySet();
    private final Set<Long> newGenDirs = ConcurrentHashMap.newKeySet();
    private final Trash trash;

    private record Key(long gen, long ino) {
    }

    private static final class Fd {
        final int fd;
        int users;
        boolean evicted;
        /** Bytes written since writeback was last started (under the monitor of open). */
        long unflushed;
        /** The file is at least this long (written up to there, or seen by fstat); -1 unknown (under the monitor of open). */
        long atLeast = -1;
        /** Truncates so far (under the monitor of open): an fstat from before one does not set atLeast. */
        int cuts;

        Fd(int fd) {
            this.fd = fd;
        }
    }

    /**
     * dir: where the files live; from: units starting at or past this file offset are paged (units before it keep
     * their bytes in RocksDB: a small file costs no host file).
     */
    public PageFiles(Path dir, long from) {
        this.dir = dir;
        this.from = from;
        this.trash = new Trash(dir.resolve("trash"));
    }

    /** Does the unit that starts at this file offset keep its bytes here? */
    public boolean paged(long unitOffset) {
        return unitOffset >= from;
    }

    public Path dir() {
        return dir;
    }

    /** Where dropped generations' directories wait for their deletion. */
    public Trash trash() {
        return trash;
    }

    Path genDir(long gen) {
        return dir.resolve(Long.toString(gen));
    }

    public Path file(long gen, long ino) {
        return genDir(gen).resolve(Long.toString(ino));
    }

    // ---------------------------------------------------------------- data

    /** Writes src[off, off+len) at pos of (gen, ino)'s file, creating it. */
    public void write(long gen, long ino, long pos, byte[] src, int off, int len) throws FsException {
        Key k = new Key(gen, ino);
        Fd f = acquire(k, true);
        try {
            Pointer p = BUF.get();
            for (int done = 0; done < len; ) {
                int n = Math.min(CHUNK, len - done);
                p.put(0, src, off + done, n);
                for (int w = 0; w < n; ) {
                    int got = Host.pwrite(f.fd, p.slice(w), n - w, pos + done + w);
                    if (got <= 0) throw new FsException(Errno.EIO, "short write to " + file(gen, ino));
                    w += got;
                }
                done += n;
            }
            boolean kick;
            synchronized (open) {
                f.unflushed += len;
                f.atLeast = Math.max(f.atLeast, pos + len);
                kick = f.unflushed >= WRITEBACK_EVERY;
                if (kick) f.unflushed = 0;
            }
            if (kick) Host.startWriteback(f.fd);
        } finally {
            release(f);
        }
        dirty.add(k); // after the bytes: a sync that raced with this write leaves the mark for the next one
    }

    /**
     * Reads [pos, pos+len) of (gen, ino)'s file into dst; bytes past its end (or of a file that is not there: a
     * write a crash cut before its sync) are left as they are in dst (the caller zero-fills first).
     */
    public void read(long gen, long ino, long pos, byte[] dst, int off, int len) throws FsException {
        Fd f = acquire(new Key(gen, ino), false);
        if (f == null) return;
        try {
            Pointer p = BUF.get();
            for (int done = 0; done < len; ) {
                int want = Math.min(CHUNK, len - done);
                int got = Host.pread(f.fd, p, want, pos + done);
                if (got <= 0) return;
                p.get(0, dst, off + done, got);
                done += got;
            }
        } finally {
            release(f);
        }
    }

    /**
     * [pos, pos+len) of (gen, ino)'s file as an open descriptor, in use until the range is closed; null when the file
     * is not there or ends before pos+len (then {@link #read} leaves the missing bytes zero; a reply from the
     * descriptor would be short).
     */
    public HostRange range(long gen, long ino, long pos, int len) throws FsException {
        Fd f = acquire(new Key(gen, ino), false);
        if (f == null) return null;
        boolean whole = false;
        try {
            int cuts;
            synchronized (open) {
                whole = f.atLeast >= pos + len;
                cuts = f.cuts;
            }
            if (!whole) {
                long size = Host.fstat(f.fd).size();
                synchronized (open) {
                    if (f.cuts == cuts) f.atLeast = Math.max(f.atLeast, size);
                }
                whole = size >= pos + len;
            }
        } finally {
            if (!whole) release(f);
        }
        return HostRange.of(f.fd, pos, len, () -> release(f));
    }

    /** Frees [pos, pos+len) of (gen, ino)'s file (its pages are no longer referenced); no-op if it is not there. */
    public void punch(long gen, long ino, long pos, long len) throws FsException {
        Fd f = acquire(new Key(gen, ino), false);
        if (f == null) return;
        try {
            Host.fallocate(f.fd, Host.FALLOC_FL_PUNCH_HOLE | Host.FALLOC_FL_KEEP_SIZE, pos, len);
        } catch (FsException e) {
            if (e.errno() != Errno.EOPNOTSUPP) throw e; // a host filesystem without holes keeps the bytes: only space
        } finally {
            release(f);
        }
    }

    /** Shortens (gen, ino)'s file to size if it is longer (truncate of the head). */
    public void truncate(long gen, long ino, long size) throws FsException {
        Fd f = acquire(new Key(gen, ino), false);
        if (f == null) return;
        try {
            forgetSize(f);
            if (Host.fstat(f.fd).size() > size) Host.ftruncate(f.fd, size);
            forgetSize(f); // an fstat between the two is older than the cut: it sets nothing
        } finally {
            release(f);
        }
    }

    private void forgetSize(Fd f) {
        synchronized (open) {
            f.atLeast = -1;
            f.cuts++;
        }
    }

    /** Removes (gen, ino)'s file (the inode's units of gen are gone). */
    public void delete(long gen, long ino) throws FsException {
        Key k = new Key(gen, ino);
        evict(k::equals);
        dirty.remove(k);
        try {
            Files.deleteIfExists(file(gen, ino));
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "delete " + file(gen, ino) + ": " + e.getMessage());
        }
    }

    /**
     * Removes gen's directory (the generation is dropped or spliced out: none of its keys is left) from its place at
     * once; its files are deleted in the background ({@link Trash}).
     */
    public void dropGen(long gen) throws FsException {
        evict(k -> k.gen == gen);
        dirty.removeIf(k -> k.gen == gen);
        Path d = genDir(gen);
        newEntries.remove(d);
        newGenDirs.remove(gen);
        trash.put(d, Long.toString(gen)); // false: dropped before (a gc after a crash), nothing to do
    }

    /**
     * Stops syncing gen's files written since their last sync, and its directory and that directory's entry when they
     * are new: gen is about to be dropped (a restore or rm discards a container's head), and fdatasync of bytes no key
     * will reference only makes the request wait for the disk, an fsync of a directory for a journal commit of its own.
     * Returns the call that puts the marks back, for a drop that does not happen.
     */
    public Runnable skipSync(long gen) {
        List<Key> skipped = dirty.stream().filter(k -> k.gen == gen).toList();
        dirty.removeAll(skipped);
        Path d = genDir(gen);
        boolean entries = newEntries.remove(d), entry = newGenDirs.remove(gen);
        return () -> {
            dirty.addAll(skipped);
            if (entries) newEntries.add(d);
            if (entry) newGenDirs.add(gen);
        };
    }

    /**
     * Drops the directories of generations that gone says no longer exist (a crash between a drop and its rename) and
     * has the trash emptied (what a crash or a close left there).
     */
    public int sweep(LongPredicate gone) throws FsException {
        if (Files.isDirectory(trash.dir())) trash.wake();
        int n = 0;
        for (long gen : gens()) {
            if (gone.test(gen)) {
                dropGen(gen);
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- durability

    /** fdatasync of every file of ino written since its last sync (and of new directory entries). */
    public void sync(long ino) throws FsException {
        for (Key k : List.copyOf(dirty)) if (k.ino == ino) syncFile(k);
        syncEntries();
    }

    /** fdatasync of every file written since its last sync (and of new directory entries). */
    public void syncAll() throws FsException {
        if (dirty.isEmpty() && newEntries.isEmpty() && newGenDirs.isEmpty()) return;
        for (Key k : List.copyOf(dirty)) syncFile(k);
        syncEntries();
    }

    private void syncFile(Key k) throws FsException {
        if (!dirty.remove(k)) return;
        Fd f = acquire(k, false);
        if (f == null) return; // deleted since
        try {
            Host.fsync(f.fd, true);
        } catch (FsException e) {
            dirty.add(k);
            throw e;
        } finally {
            release(f);
        }
    }

    /** The directories that the next sync fsyncs: their new entries are not synced yet. */
    public Set<Path> pendingDirs() {
        Set<Path> out = new HashSet<>(newEntries);
        if (!newGenDirs.isEmpty()) out.add(dir);
        return out;
    }

    private void syncEntries() throws FsException {
        List<Long> gens = List.copyOf(newGenDirs);
        if (newGenDirs.removeAll(gens)) newEntries.add(dir);
        for (Path d : List.copyOf(newEntries)) {
            if (!newEntries.remove(d)) continue;
            int fd;
            try {
                fd = Host.open(d.toString(), Host.O_RDONLY | Host.O_DIRECTORY, 0);
            } catch (FsException e) {
                if (e.errno() == Errno.ENOENT) continue; // dropped since
                throw e;
            }
            try {
                Host.fsync(fd, false);
            } finally {
                Host.close(fd);
            }
        }
    }

    // ---------------------------------------------------------------- descriptors

    /** The file's descriptor, in use until {@link #release}; null when it does not exist and create is false. */
    private Fd acquire(Key k, boolean create) throws FsException {
        synchronized (open) {
            Fd f = open.get(k);
            if (f != null) {
                f.users++;
                return f;
            }
        }
        Path p = file(k.gen, k.ino);
        int fd;
        try {
            fd = Host.open(p.toString(), Host.O_RDWR, 0);
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT) throw e;
            if (!create) return null;
            fd = createFile(k, p);
        }
        synchronized (open) {
            Fd f = open.get(k);
            if (f != null) { // another thread opened it meanwhile
                Host.close(fd);
                f.users++;
                return f;
            }
            f = new Fd(fd);
            f.users = 1;
            open.put(k, f);
            if (open.size() > MAX_OPEN) {
                Iterator<Map.Entry<Key, Fd>> it = open.entrySet().iterator();
                Fd old = it.next().getValue();
                it.remove();
                retire(old);
            }
            return f;
        }
    }

    private int createFile(Key k, Path p) throws FsException {
        Path gd = genDir(k.gen);
        if (!Files.isDirectory(gd)) {
            try {
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    newEntries.add(dir.getParent());
                }
                Files.createDirectory(gd);
                newGenDirs.add(k.gen);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another thread made it
            } catch (IOException e) {
                throw new FsException(Errno.EIO, "create " + gd + ": " + e.getMessage());
            }
        }
        int fd = Host.open(p.toString(), Host.O_RDWR | Host.O_CREAT, 0600);
        newEntries.add(gd);
        return fd;
    }

    private void release(Fd f) {
        synchronized (open) {
            if (--f.users == 0 && f.evicted) Host.close(f.fd);
        }
    }

    /** Caller holds open's monitor. */
    private static void retire(Fd f) {
        f.evicted = true;
        if (f.users == 0) Host.close(f.fd);
    }

    private void evict(java.util.function.Predicate<Key> which) {
        synchronized (open) {
            for (Iterator<Map.Entry<Key, Fd>> it = open.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Fd> e = it.next();
                if (!which.test(e.getKey())) continue;
                it.remove();
                retire(e.getValue());
            }
        }
    }

    /** Generations that have a directory here (names that are not a generation, the trash among them, are not ours). */
    public Set<Long> gens() throws FsException {
        Set<Long> out = new HashSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path d : s.toList()) {
                try {
                    out.add(Long.parseLong(d.getFileName().toString()));
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    @Override
    public void close() {
        trash.close();
        evict(k -> true);
    }
}
