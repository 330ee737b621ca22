package io.strata.store.block.inode;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Txn;
import org.rocksdb.RocksIterator;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Directory entries of one point. A listing merges the directory's key range of every generation of the chain,
 * oldest first, so that newer entries and tombstones win; each range is one sorted RocksDB scan.
 */
public final class Directories {
    private Directories() {
    }

    /** The entry (possibly a whiteout) or null. */
    public static Dirent lookup(StoreDb db, Chain chain, long dir, String name) throws FsException {
        byte[] v = chain.get(db, db.dirents, Keys.dirent(0, dir, name));
        return v == null ? null : Dirent.decode(v);
    }

    /** name → entry (whiteouts included), sorted by name. */
    public static TreeMap<String, Dirent> list(StoreDb db, Chain chain, long dir) throws FsException {
        TreeMap<String, byte[]> merged = new TreeMap<>();
        for (int d = chain.depth() - 1; d >= 0; d--) {
            byte[] from = Keys.inodePrefix(chain.gen(d), dir), to = Keys.inodePrefix(chain.gen(d), dir + 1);
            try (RocksIterator it = db.rocks().newIterator(db.dirents)) {
                for (it.seek(from); it.isValid() && Arrays.compareUnsigned(it.key(), to) < 0; it.next())
                    merged.put(Keys.direntName(it.key()), it.value());
            }
        }
        TreeMap<String, Dirent> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : merged.entrySet())
            if (!Keys.isTombstone(e.getValue())) out.put(e.getKey(), Dirent.decode(e.getValue()));
        return out;
    }

    public static void put(Txn t, Chain chain, long dir, String name, Dirent e) throws FsException {
        t.put(t.db().dirents, Keys.dirent(chain.head(), dir, name), e.encode());
    }

    /** Removes name from dir in the point: a tombstone when an older generation has it. */
    public static void remove(Txn t, Chain chain, long dir, String name) throws FsException {
        StoreDb db = t.db();
        Chain.Hit older = chain.find(db, db.dirents, Keys.dirent(0, dir, name), 1);
        if (older != null && !older.tombstone()) t.put(db.dirents, Keys.dirent(chain.head(), dir, name), Keys.TOMBSTONE);
        else t.delete(db.dirents, Keys.dirent(chain.head(), dir, name));
    }
}
