package io.strata.store.block;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.blocks.BlockMap;
import io.strata.store.block.blocks.HostOrigins;
import io.strata.store.block.blocks.Origins;
import io.strata.store.block.catalog.Catalog;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.diff.Change;
import io.strata.store.block.diff.Diff;
import io.strata.store.block.gc.Collector;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.inode.InodeNumbers;
import io.strata.store.block.inode.Inodes;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.layer.Head;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.space.DedupEstimate;
import io.strata.store.block.space.Space;
import io.strata.store.block.txn.Txn;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The block store: containers (a writable layer each, on read-only lowers), their snapshots and clones, in one
 * RocksDB database. Snapshot, clone and restore cost a few catalog records (see {@link io.strata.store.block.keys.Keys}
 * for why); removing things hands generations to the {@link Collector}.
 *
 * <p>Thread-safe: catalog changes are serialized by this object's monitor; a container's data changes by its
 * {@link Head}'s lock, which a snapshot of a running container also takes (always monitor first, then head lock;
 * layers never take the monitor).
 */
public final class BlockStore implements AutoCloseable {
    /** Storage unit of new stores: 4 KiB measured best for 4 KiB random reads and writes, equal for sequential writes
     *  (benchmarks/RESULTS-store.md). */
    public static final int DEFAULT_UNIT = 4096;

    private final StoreDb db;
    private final Catalog catalog;
    private final InodeNumbers inos;
    private final BlockMap map;
    private final Collector collector;
    private final HostOrigins hostOrigins;
    private final Map<String, Head> heads = new HashMap<>();
    /** Open read-only views per snapshot generation. */
    private final Map<Long, Integer> viewers = new HashMap<>();

    private BlockStore(StoreDb db, Origins origins) throws FsException {
        this.db = db;
        this.catalog = new Catalog(db);
        this.inos = new InodeNumbers(db);
        this.hostOrigins = origins == null ? new HostOrigins() : null;
        this.map = new BlockMap(db, origins == null ? hostOrigins : origins);
        this.collector = new Collector(db, catalog);
        collector.dropUnreferenced(); // finishes a removal or restore that a crash interrupted between its batches
        collector.sweepPages(collector.sweepable()); // and page directories a crash left, with the trash's leftovers
    }

    /** Opens the store at dir (its RocksDB directory), creating an empty one when there is none. */
    public static BlockStore open(Path dir, MemoryBudget memory) throws FsException {
        return open(dir, DEFAULT_UNIT, memory, null);
    }

    /** unit: storage unit of a new store (an existing store keeps its own); origins: null = absolute host paths. */
    public static BlockStore open(Path dir, int unit, MemoryBudget memory, Origins origins) throws FsException {
        StoreDb db = StoreDb.openOrCreate(dir, unit, memory);
        try {
            return new BlockStore(db, origins);
        } catch (FsException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Opens an existing store only (ENOENT when there is none). */
    public static BlockStore openExisting(Path dir, MemoryBudget memory) throws FsException {
        StoreDb db = StoreDb.open(dir, memory);
        try {
            return new BlockStore(db, null);
        } catch (FsException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    public StoreDb db() {
        return db;
    }

    // ---------------------------------------------------------------- containers

    public synchronized Records.Container createContainer(String name, String lowerdirs) throws FsException {
        checkName(name);
        if (catalog.container(name) != null) throw new FsException(Errno.EEXIST, "container " + name + " exists");
        try (Txn t = new Txn(db)) {
            long gen = catalog.allocateGen(t);
            Records.Gen g = new Records.Gen(gen, 0, false);
            Inode root = new Inode(inos.allocate());
            root.mode = Inode.S_IFDIR | 0755;
            root.nlink = 2;
            root.size = 4096;
            root.touchTimes(true, true, true);
            Records.Container c = new Records.Container(name, gen, root.ino, System.currentTimeMillis(),
                    lowerdirs == null ? "" : lowerdirs);
            catalog.writeGen(t, g);
            catalog.writeContainer(t, c);
            Inodes.put(t, new Chain(new long[]{gen}), root);
            t.commit(true);
            catalog.putGen(g);
            catalog.putContainer(c);
            return c;
        }
    }

    /** A new container that starts as container@snap and shares all its data until written. */
    public synchronized Records.Container clone(String container, String snap, String newName) throws FsException {
        checkName(newName);
        Records.Container src = container(container);
        Records.Snapshot s = snapshot(container, snap);
        if (catalog.container(newName) != null) throw new FsException(Errno.EEXIST, "container " + newName + " exists");
        try (Txn t = new Txn(db)) {
            long gen = catalog.allocateGen(t);
            Records.Gen g = new Records.Gen(gen, s.gen(), false);
            Records.Container c = new Records.Container(newName, gen, src.rootIno(), System.currentTimeMillis(), src.lowerdirs());
            catalog.writeGen(t, g);
            catalog.writeContainer(t, c);
            t.commit(true);
            catalog.putGen(g);
            catalog.putContainer(c);
            return c;
        }
    }

    public synchronized List<Records.Container> containers() {
        return catalog.containers();
    }

    public synchronized Records.Container container(String name) throws FsException {
        Records.Container c = catalog.container(name);
        if (c == null) throw new FsException(Errno.ENOENT, "no container " + name);
        return c;
    }

    /** Removes a container and its snapshots (EBUSY while its layer is open); clones of them keep what they use. */
    public synchronized Collector.Report removeContainer(String name) throws FsException {
        Records.Container c = container(name);
        Head h = heads.get(name);
        if (h != null && h.writers() > 0) throw new FsException(Errno.EBUSY, "container " + name + " is in use");
        List<Records.Snapshot> snaps = catalog.snapshots(name);
        for (Records.Snapshot s : snaps) checkNoViews(name, s);
        Runnable unskip = db.pages().skipSync(c.head()); // the head is dropped below
        try (Txn t = new Txn(db)) {
            t.delete(db.catalog, io.strata.store.block.keys.Keys.container(name));
            for (Records.Snapshot s : snaps) t.delete(db.catalog, io.strata.store.block.keys.Keys.snapshot(name, s.name()));
            t.commit(true);
        } catch (FsException | RuntimeException e) {
            unskip.run();
            throw e;
        }
        catalog.removeContainer(name);
        for (Records.Snapshot s : snaps) catalog.removeSnapshot(name, s.name());
        heads.remove(name);
        Collector.Report r = collector.settle(c.head());
        for (Records.Snapshot s : snaps) r = r.plus(collector.settle(s.gen()));
        return r;
    }

    private synchronized Head head(String container) throws FsException {
        Head h = heads.get(container);
        if (h == null) {
            Records.Container c = container(container);
            h = new Head(container, c.rootIno(), catalog.chain(c.head()));
            heads.put(container, h);
        }
        return h;
    }

    /** The container's writable layer: one writer per container (EBUSY); restore and rm wait for its close. */
    public synchronized BlockLayer openLayer(String container) throws FsException {
        Head h = head(container);
        if (h.writers() > 0) throw new FsException(Errno.EBUSY, "container " + container + " is already open read-write");
        h.addWriter(1);
        return new BlockLayer(db, map, inos, h, null, () -> h.addWriter(-1));
    }

    /** A read-only view of container@snap; the snapshot cannot be removed while a view is open (EBUSY). */
    public synchronized BlockLayer openSnapshot(String container, String snap) throws FsException {
        Records.Snapshot s = snapshot(container, snap);
        Head h = head(container);
        viewers.merge(s.gen(), 1, Integer::sum);
        return new BlockLayer(db, map, inos, h, catalog.chain(s.gen()).cached(), () -> closeView(s.gen()));
    }

    private synchronized void closeView(long gen) {
        viewers.computeIfPresent(gen, (g, n) -> n > 1 ? n - 1 : null);
    }

    private void checkNoViews(String container, Records.Snapshot s) throws FsException {
        if (viewers.containsKey(s.gen()))
            throw new FsException(Errno.EBUSY, "snapshot " + container + "@" + s.name() + " is open read-only");
    }

    // ---------------------------------------------------------------- snapshots

    /** Freezes the container's head as snapshot snap and gives the container a new, empty head: O(1). */
    public synchronized Records.Snapshot createSnapshot(String container, String snap) throws FsException {
        checkName(snap);
        Head h = head(container);
        h.lock.lock(); // a running container's changes land wholly before or after
        try {
            Records.Container c = container(container);
            if (catalog.snapshot(container, snap) != null)
                throw new FsException(Errno.EEXIST, "snapshot " + container + "@" + snap + " exists");
            long parent = catalog.gen(c.head()).parent();
            if (!h.changed() && parent != 0 && catalog.gen(parent).frozen()) {
                // nothing written since the head was started on a frozen generation: name that one, and keep the
                // chain as short as it is (periodic snapshots of an idle container add nothing)
                try (Txn t = new Txn(db)) {
                    Records.Snapshot s = new Records.Snapshot(container, snap, parent, System.currentTimeMillis());
                    catalog.writeSnapshot(t, s);
                    t.commit(true);
                    catalog.putSnapshot(s);
                    return s;
                }
            }
            try (Txn t = new Txn(db)) {
                Records.Gen frozen = catalog.gen(c.head()).frozen(true);
                long next = catalog.allocateGen(t);
                Records.Gen g = new Records.Gen(next, frozen.id(), false);
                Records.Container moved = c.withHead(next);
                Records.Snapshot s = new Records.Snapshot(container, snap, frozen.id(), System.currentTimeMillis());
                catalog.writeGen(t, frozen);
                catalog.writeGen(t, g);
                catalog.writeContainer(t, moved);
                catalog.writeSnapshot(t, s);
                t.commit(true);
                catalog.putGen(frozen);
                catalog.putGen(g);
                catalog.putContainer(moved);
                catalog.putSnapshot(s);
                h.chain(catalog.chain(next));
                h.changed(false);
                return s;
            }
        } finally {
            h.lock.unlock();
        }
    }

    public synchronized Records.Snapshot snapshot(String container, String snap) throws FsException {
        container(container);
        Records.Snapshot s = catalog.snapshot(container, snap);
        if (s == null) throw new FsException(Errno.ENOENT, "no snapshot " + container + "@" + snap);
        return s;
    }

    public synchronized List<Records.Snapshot> snapshots(String container) throws FsException {
        container(container);
        return catalog.snapshots(container);
    }

    /** The container goes back to exactly container@snap (EBUSY while its layer is open): its head is dropped. */
    public synchronized void restore(String container, String snap) throws FsException {
        Records.Container c = container(container);
        Records.Snapshot s = snapshot(container, snap);
        Head h = heads.get(container);
        if (h != null && h.writers() > 0) throw new FsException(Errno.EBUSY, "container " + container + " is in use");
        Records.Container moved;
        Runnable unskip = db.pages().skipSync(c.head()); // the head is dropped below
        try (Txn t = new Txn(db)) {
            long next = catalog.allocateGen(t);
            Records.Gen g = new Records.Gen(next, s.gen(), false);
            moved = c.withHead(next);
            catalog.writeGen(t, g);
            catalog.writeContainer(t, moved);
            t.commit(true);
            catalog.putGen(g);
            catalog.putContainer(moved);
        } catch (FsException | RuntimeException e) {
            unskip.run();
            throw e;
        }
        if (h != null) {
            h.lock.lock();
            try {
                h.chain(catalog.chain(moved.head()));
                h.changed(false);
            } finally {
                h.lock.unlock();
            }
        }
        collector.settle(c.head());
    }

    /** Removes a snapshot's name; its data goes as far as nothing else needs it. */
    public synchronized Collector.Report removeSnapshot(String container, String snap) throws FsException {
        Records.Snapshot s = snapshot(container, snap);
        checkNoViews(container, s);
        try (Txn t = new Txn(db)) {
            t.delete(db.catalog, io.strata.store.block.keys.Keys.snapshot(container, snap));
            t.commit(true);
        }
        catalog.removeSnapshot(container, snap);
        Collector.Report r = collector.settle(s.gen());
        Head h = heads.get(container);
        if (h != null) {
            h.lock.lock();
            try {
                h.chain(catalog.chain(container(container).head()));
            } finally {
                h.lock.unlock();
            }
        }
        // clones' heads see spliced chains too
        for (Head other : heads.values()) {
            if (other == h) continue;
            other.lock.lock();
            try {
                other.chain(catalog.chain(container(other.container).head()));
            } finally {
                other.lock.unlock();
            }
        }
        return r;
    }

    // ---------------------------------------------------------------- diff, df, gc

    /** A point: a container's current state ("C") or one of its snapshots ("C@S"). */
    public synchronized Chain point(String spec) throws FsException {
        int at = spec.indexOf('@');
        if (at < 0) return catalog.chain(container(spec).head());
        return catalog.chain(snapshot(spec.substring(0, at), spec.substring(at + 1)).gen());
    }

    /** Like {@link #diff}, in the union's terms (paths of the merged view; whiteouts as deletions). */
    public List<Change> unionDiff(String a, String b) throws FsException {
        List<Change> raw = diff(a, b);
        Chain cb;
        Records.Container c;
        synchronized (this) {
            cb = point(b);
            c = container(b.contains("@") ? b.substring(0, b.indexOf('@')) : b);
        }
        List<java.nio.file.Path> lowers = c.lowerdirs().isEmpty() ? List.of()
                : java.util.Arrays.stream(c.lowerdirs().split(":")).map(java.nio.file.Path::of).toList();
        return io.strata.store.block.diff.UnionDiff.of(raw, db, cb, c.rootIno(), lowers);
    }

    /** Paths added, changed or deleted from a to b (a null: from an empty layer). */
    public List<Change> diff(String a, String b) throws FsException {
        Chain ca, cb;
        long root;
        synchronized (this) {
            ca = a == null ? null : point(a);
            cb = point(b);
            root = container(b.contains("@") ? b.substring(0, b.indexOf('@')) : b).rootIno();
        }
        return new Diff(db, root).between(ca, cb);
    }

    public synchronized Space.Report df() throws FsException {
        return new Space(db, catalog).report();
    }

    /** What deduplication of identical pages would save (a scan of every page, without the store's lock). */
    public DedupEstimate.Report dedupEstimate() throws FsException {
        return DedupEstimate.of(db);
    }

    /** Settles every generation, sweeps the versions entries of dropped ones and compacts what was dropped. */
    public Collector.Report gc() throws FsException {
        Collector.Report r;
        Collector.Sweep sweep;
        synchronized (this) {
            r = collector.collectAll();
            sweep = collector.sweepable();
        }
        collector.sweepVersions(sweep);
        collector.sweepPages(sweep);
        collector.compact();
        return r;
    }

    private static void checkName(String name) throws FsException {
        if (name == null || name.isEmpty() || name.length() > 128 || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*"))
            throw new FsException(Errno.EINVAL, "bad name '" + name + "' (letters, digits, _ . -)");
    }

    @Override
    public synchronized void close() {
        if (hostOrigins != null) hostOrigins.close();
        db.close();
    }
}
