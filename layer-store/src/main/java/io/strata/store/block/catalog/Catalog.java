package io.strata.store.block.catalog;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Txn;
import org.rocksdb.RocksIterator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The store's small, whole-in-memory state: containers, snapshots and the generation tree, loaded at open and kept
 * equal to the catalog and gens families (callers write a {@link Txn} first, then apply the same change here).
 * Not thread-safe: the store serializes catalog changes.
 */
public final class Catalog {
    private final StoreDb db;
    private final TreeMap<String, Records.Container> containers = new TreeMap<>();
    private final TreeMap<String, Records.Snapshot> snapshots = new TreeMap<>(); // key: container NUL snapshot
    private final Map<Long, Records.Gen> gens = new HashMap<>();
    private final Map<Long, List<Long>> children = new HashMap<>();
    private long nextGen;

    public Catalog(StoreDb db) throws FsException {
        this.db = db;
        try (RocksIterator it = db.rocks().newIterator(db.catalog)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                String rest = Keys.catalogName(k);
                if (k[0] == 'c') containers.put(rest, Records.Container.decode(rest, it.value()));
                else if (k[0] == 's') {
                    int nul = rest.indexOf('\0');
                    snapshots.put(rest, Records.Snapshot.decode(rest.substring(0, nul), rest.substring(nul + 1), it.value()));
                }
            }
        }
        try (RocksIterator it = db.rocks().newIterator(db.gens)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long id = Keys.getLong(it.key(), 0);
                putGen(Records.Gen.decode(id, it.value()));
            }
        }
        byte[] ng = db.get(db.meta, Keys.META_NEXT_GEN);
        nextGen = ng == null ? 1 : Keys.getLong(ng, 0);
    }

    // ---------------------------------------------------------------- reading

    public Records.Container container(String name) {
        return containers.get(name);
    }

    public List<Records.Container> containers() {
        return new ArrayList<>(containers.values());
    }

    public Records.Snapshot snapshot(String container, String name) {
        return snapshots.get(container + '\0' + name);
    }

    public List<Records.Snapshot> snapshots(String container) {
        return new ArrayList<>(snapshots.subMap(container + '\0', container + '\1').values());
    }

    public List<Records.Snapshot> allSnapshots() {
        return new ArrayList<>(snapshots.values());
    }

    public Records.Gen gen(long id) {
        return gens.get(id);
    }

    /** The id the next generation will get: every generation ever made has a smaller one. */
    public long nextGenId() {
        return nextGen;
    }

    public List<Long> allGens() {
        return new ArrayList<>(gens.keySet());
    }

    public List<Long> children(long gen) {
        return children.getOrDefault(gen, List.of());
    }

    /** The chain that a point whose newest generation is head sees. */
    public Chain chain(long head) {
        List<Long> g = new ArrayList<>();
        for (long id = head; id != 0; id = gens.get(id).parent()) g.add(id);
        return new Chain(g.stream().mapToLong(Long::longValue).toArray());
    }

    /** A snapshot names this generation. */
    public boolean named(long gen) {
        for (Records.Snapshot s : snapshots.values()) if (s.gen() == gen) return true;
        return false;
    }

    public int snapshotNames(long gen) {
        int n = 0;
        for (Records.Snapshot s : snapshots.values()) if (s.gen() == gen) n++;
        return n;
    }

    // ---------------------------------------------------------------- changing (write the Txn, then apply)

    public long allocateGen(Txn t) throws FsException {
        long id = nextGen++;
        t.put(db.meta, Keys.META_NEXT_GEN, Keys.u64(nextGen));
        return id;
    }

    public void writeGen(Txn t, Records.Gen g) throws FsException {
        t.put(db.gens, Keys.u64(g.id()), g.encode());
    }

    public void putGen(Records.Gen g) {
        Records.Gen old = gens.put(g.id(), g);
        if (old != null && old.parent() != 0) children.getOrDefault(old.parent(), new ArrayList<>()).remove(g.id());
        if (g.parent() != 0) children.computeIfAbsent(g.parent(), p -> new ArrayList<>()).add(g.id());
    }

    public void removeGen(long id) {
        Records.Gen old = gens.remove(id);
        if (old != null && old.parent() != 0) children.getOrDefault(old.parent(), new ArrayList<>()).remove(id);
        children.remove(id);
    }

    public void writeContainer(Txn t, Records.Container c) throws FsException {
        t.put(db.catalog, Keys.container(c.name()), c.encode());
    }

    public void putContainer(Records.Container c) {
        containers.put(c.name(), c);
    }

    public void removeContainer(String name) {
        containers.remove(name);
    }

    public void writeSnapshot(Txn t, Records.Snapshot s) throws FsException {
        t.put(db.catalog, Keys.snapshot(s.container(), s.name()), s.encode());
    }

    public void putSnapshot(Records.Snapshot s) {
        snapshots.put(s.container() + '\0' + s.name(), s);
    }

    public void removeSnapshot(String container, String name) {
        snapshots.remove(container + '\0' + name);
    }
}
