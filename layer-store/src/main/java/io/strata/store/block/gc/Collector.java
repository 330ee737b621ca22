package io.strata.store.block.gc;

import io.strata.core.errno.FsException;
import io.strata.store.block.catalog.Catalog;
import io.strata.store.block.blocks.Unit;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.db.Rocks;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.txn.Counters;
import io.strata.store.block.txn.Txn;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Frees what nothing references. Data lives in generations, so "what nothing references" is decided per
 * generation and per key, never by refcounts:
 * <ul>
 *   <li>a generation that no container head, snapshot or child generation needs is <b>dropped</b>: one DeleteRange
 *       per family and one rename of its page directory into the trash (O(1) whatever it holds; the trash is emptied
 *       in the background), then its parent is looked at again;
 *   <li>an unnamed generation with exactly one child (a snapshot was removed) is <b>pruned</b>: its keys that the
 *       child overwrote, deleted, or made unreachable (inode gone in the child) are deleted — proportional to what
 *       the generation holds; if nothing is left it is spliced out of the chain;
 *   <li>{@link #compact} makes RocksDB rewrite the dropped ranges now, so that the disk space comes back.
 * </ul>
 * Each step is idempotent, so a crash between batches leaves nothing wrong, only work that the next gc redoes.
 */
public final class Collector {
    private static final int BATCH = 2048;
    private final StoreDb db;
    private final Catalog catalog;
    private final List<byte[]> droppedRanges = new ArrayList<>();

    public Collector(StoreDb db, Catalog catalog) {
        this.db = db;
        this.catalog = catalog;
    }

    /** What one collection did. */
    public record Report(int dropped, int pruned, int spliced, long bytesFreed) {
        public Report plus(Report o) {
            return new Report(dropped + o.dropped, pruned + o.pruned, spliced + o.spliced, bytesFreed + o.bytesFreed);
        }
    }

    /** Drops or prunes gen if nothing names it any more; continues with its parent. */
    public Report settle(long gen) throws FsException {
        return settle(gen, true);
    }

    private Report settle(long gen, boolean prune) throws FsException {
        Report r = new Report(0, 0, 0, 0);
        while (gen != 0) {
            Records.Gen g = catalog.gen(gen);
            if (g == null) break;
            long parent = g.parent();
            boolean head = catalog.containers().stream().anyMatch(c -> c.head() == g.id());
            if (head || catalog.named(gen)) break;
            List<Long> kids = catalog.children(gen);
            if (kids.isEmpty()) {
                r = r.plus(drop(gen));
            } else if (kids.size() == 1 && prune) {
                r = r.plus(prune(gen, kids.get(0)));
                break;
            } else {
                break; // shared by clones: kept whole
            }
            gen = parent;
        }
        return r;
    }

    /** Settles every generation (gc). */
    public Report collectAll() throws FsException {
        Report r = new Report(0, 0, 0, 0);
        for (long g : catalog.allGens()) if (catalog.gen(g) != null) r = r.plus(settle(g, true));
        return r;
    }

    /** What {@link #sweepVersions} may delete: entries of generations below {@code below} that are not live. */
    public record Sweep(Set<Long> live, long below) {
    }

    /** Taken under the store's lock, so that the sweep itself can run without it. */
    public Sweep sweepable() {
        return new Sweep(new HashSet<>(catalog.allGens()), catalog.nextGenId());
    }

    /**
     * Deletes the versions entries of generations dropped before s was taken: a drop leaves them (so it stays O(1));
     * readers skip them (generation ids are never reused), so this only returns their space. One pass over the small
     * versions family; a generation created since s is above s.below and left alone.
     */
    public long sweepVersions(Sweep s) throws FsException {
        long swept = 0;
        try (Txn t = new Txn(db); RocksIterator it = db.rocks().newIterator(db.versions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long g = Keys.versionGen(it.key());
                if (g >= s.below() || s.live().contains(g)) continue;
                t.delete(db.versions, it.key());
                swept++;
                if (t.size() >= BATCH) t.commit(false);
            }
            t.commit(true);
        }
        return swept;
    }

    /** Drops the generations nothing references (at open: a removal a crash interrupted); prunes nothing. */
    public Report dropUnreferenced() throws FsException {
        Report r = new Report(0, 0, 0, 0);
        for (long g : catalog.allGens()) if (catalog.gen(g) != null) r = r.plus(settle(g, false));
        return r;
    }

    private Report drop(long gen) throws FsException {
        long bytes = Counters.get(db, gen, Counters.DATA);
        try (Txn t = new Txn(db)) {
            byte[] lo = Keys.genPrefix(gen), hi = Keys.genPrefix(gen + 1);
            for (ColumnFamilyHandle cf : List.of(db.inodes, db.dirents, db.blocks, db.counters)) t.deleteRange(cf, lo, hi);
            t.delete(db.gens, Keys.u64(gen));
            t.commit(false); // not synced: what made gen unreferenced was, and the next open redoes a drop a crash lost
        }
        catalog.removeGen(gen);
        db.pages().dropGen(gen); // after the keys: a crash in between leaves a directory that the next open sweeps
        synchronized (droppedRanges) {
            droppedRanges.add(Keys.genPrefix(gen));
        }
        return new Report(1, 0, 0, bytes);
    }

    /** Deletes what child hides of gen (whole keys, or pages of units); splices gen out when it is left empty. */
    private Report prune(long gen, long child) throws FsException {
        long freed = 0;
        boolean empty = true;
        for (ColumnFamilyHandle cf : List.of(db.inodes, db.dirents, db.blocks)) {
            byte[] lo = Keys.genPrefix(gen), hi = Keys.genPrefix(gen + 1);
            try (Txn t = new Txn(db); RocksIterator it = db.rocks().newIterator(cf)) {
                for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) {
                    byte[] key = it.key(), value = it.value();
                    byte[] left = cf == db.blocks ? unitLeft(key, value, child) : hidden(cf, key, child) ? null : value;
                    if (left == value) {
                        empty = false;
                        continue;
                    }
                    long before = cf != db.blocks ? 0 : Unit.storedOf(value);
                    if (left == null) {
                        t.delete(cf, key);
                        if (cf == db.blocks) t.delete(db.versions, Keys.versionOf(key));
                    } else {
                        t.put(cf, key, left);
                        empty = false;
                    }
                    if (cf == db.blocks && Unit.isPaged(value)) punchAfter(t, key, Unit.presentOf(value) & ~(left == null ? 0 : Unit.presentOf(left)));
                    long after = left == null || cf != db.blocks ? 0 : Unit.storedOf(left);
                    freed += before - after;
                    t.count(gen, Counters.DATA, after - before);
                    if (t.size() >= BATCH) t.commit(false);
                }
                t.commit(true);
            }
        }
        try (Txn t = new Txn(db)) {
            // what the child shadowed of gen is gone now
            t.put(db.counters, Keys.counter(child, Counters.SHADOWED_PARENT), Keys.counterDelta(0));
            if (empty) {
                Records.Gen g = catalog.gen(gen), c = catalog.gen(child).withParent(g.parent());
                catalog.writeGen(t, c);
                t.delete(db.gens, Keys.u64(gen));
                t.deleteRange(db.counters, Keys.genPrefix(gen), Keys.genPrefix(gen + 1));
                t.commit(true);
                catalog.removeGen(gen);
                catalog.putGen(c);
                db.pages().dropGen(gen);
                return new Report(0, 1, 1, freed);
            }
            t.commit(true);
        }
        return new Report(0, 1, 0, freed);
    }

    /** Once t is committed, returns the page-file space of the pages of mask of the unit at key (a pruned value's). */
    private void punchAfter(Txn t, byte[] key, long mask) {
        if (mask == 0) return;
        long gen = Keys.gen(key), ino = Keys.ino(key), at = Keys.unit(key) * db.unit();
        t.afterCommit(() -> Unit.runs(mask, (p, q) -> db.pages().punch(gen, ino, at + (long) p * Unit.PAGE, (long) (q + 1 - p) * Unit.PAGE)));
    }

    /**
     * Settles the page files too: drops the directories of generations dropped before s (their drop was cut short)
     * and has the trash emptied in the background.
     */
    public int sweepPages(Sweep s) throws FsException {
        return db.pages().sweep(g -> g < s.below() && !s.live().contains(g));
    }

    /** What gen's unit value still has to hold once child decides what it decides: value, a smaller one, or null. */
    private byte[] unitLeft(byte[] key, byte[] value, long child) throws FsException {
        if (hidden(db.blocks, key, child)) return null;
        byte[] cv = db.get(db.blocks, Keys.withGen(key, child));
        if (cv == null) return value;
        int unit = db.unit();
        long covered = Unit.coveredOf(cv, unit);
        if (covered == Unit.allPages(unit)) return null;
        if (Keys.isTombstone(value)) return value; // pages the child leaves undecided still read as zeros
        Unit u = Unit.decode(value, unit);
        long drop = u.covered() & covered;
        if (drop == 0) return value;
        for (long m = drop; m != 0; m &= m - 1) u.forget(Long.numberOfTrailingZeros(m));
        return u.decidesNothing() ? null : u.encode();
    }

    /**
     * The child generation has this key, or deleted the inode it belongs to (so nothing below it can see it), or
     * (a unit) truncated it away: a cut in the child's inode hides it.
     */
    private boolean hidden(ColumnFamilyHandle cf, byte[] key, long child) throws FsException {
        if (cf != db.blocks && db.get(cf, Keys.withGen(key, child)) != null) return true;
        if (cf == db.inodes) return false;
        byte[] owner = db.get(db.inodes, Keys.inode(child, Keys.ino(key)));
        if (owner == null) return false;
        if (Keys.isTombstone(owner)) return true;
        return cf == db.blocks && Keys.unit(key) * db.unit() >= Inode.decode(Keys.ino(key), owner).hiddenFrom(Keys.gen(key));
    }

    /** Has RocksDB rewrite the ranges of dropped generations now, returning their disk space. */
    public int compact() throws FsException {
        List<byte[]> ranges;
        synchronized (droppedRanges) {
            ranges = new ArrayList<>(droppedRanges);
            droppedRanges.clear();
        }
        try {
            for (byte[] lo : ranges) {
                byte[] hi = Keys.genPrefix(Keys.getLong(lo, 0) + 1);
                for (ColumnFamilyHandle cf : List.of(db.inodes, db.dirents, db.blocks)) db.rocks().compactRange(cf, lo, hi);
            }
        } catch (RocksDBException e) {
            throw Rocks.fail("compact", e);
        }
        return ranges.size();
    }
}
