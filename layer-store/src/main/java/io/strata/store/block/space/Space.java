package io.strata.store.block.space;

import io.strata.core.errno.FsException;
import io.strata.store.block.catalog.Catalog;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Counters;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code strata df} from the per-generation counters (two keys per generation, no walk):
 * <ul>
 *   <li>a container's <b>exclusive</b> bytes are those its head generation stores (nothing else sees a head);
 *       its <b>shared</b> bytes are what it still sees of older generations: their data minus what each newer
 *       generation of its chain overwrote of its parent;
 *   <li>a snapshot's exclusive bytes are what removing it frees at once: what its one child generation overwrote
 *       of it (0 when clones share it); the rest of what it holds, plus what it sees of older generations, is shared.
 * </ul>
 * Counted: block-map units (pages of 4 KiB and a 9-byte header); inline payloads of small files are metadata.
 * Overwrites are credited to the direct parent only, so a unit overwritten two generations down stays "shared".
 */
public final class Space {
    private final StoreDb db;
    private final Catalog catalog;

    public Space(StoreDb db, Catalog catalog) {
        this.db = db;
        this.catalog = catalog;
    }

    public record Usage(String name, long exclusive, long shared) {
    }

    public record Report(List<Usage> containers, List<Usage> snapshots, long totalStored) {
    }

    public Report report() throws FsException {
        List<Usage> cs = new ArrayList<>(), ss = new ArrayList<>();
        for (Records.Container c : catalog.containers()) {
            Chain chain = catalog.chain(c.head());
            cs.add(new Usage(c.name(), data(c.head()), visibleOlder(chain)));
        }
        for (Records.Snapshot s : catalog.allSnapshots()) {
            long own = data(s.gen());
            List<Long> kids = catalog.children(s.gen());
            long excl = kids.size() == 1 && catalog.snapshotNames(s.gen()) == 1
                    ? Math.min(own, Counters.get(db, kids.get(0), Counters.SHADOWED_PARENT)) : 0;
            ss.add(new Usage(s.container() + "@" + s.name(), excl, own - excl + visibleOlder(catalog.chain(s.gen()))));
        }
        long total = 0;
        for (long g : catalog.allGens()) total += data(g);
        return new Report(cs, ss, total);
    }

    private long data(long gen) throws FsException {
        return Math.max(0, Counters.get(db, gen, Counters.DATA));
    }

    /** Bytes of the chain's older generations that its point still sees. */
    private long visibleOlder(Chain chain) throws FsException {
        long older = 0, shadowed = 0;
        for (int d = 1; d < chain.depth(); d++) older += data(chain.gen(d));
        for (int d = 0; d + 1 < chain.depth(); d++) shadowed += Counters.get(db, chain.gen(d), Counters.SHADOWED_PARENT);
        return Math.max(0, older - shadowed);
    }
}
