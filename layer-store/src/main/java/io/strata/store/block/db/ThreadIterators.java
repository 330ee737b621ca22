package io.strata.store.block.db;

import io.strata.core.errno.FsException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import java.util.ArrayList;
import java.util.List;

/**
 * One iterator over a column family per reading thread, kept across reads instead of a new one per read (creating one
 * costs about as much as the seek it is made for). Lent out by {@link #borrow} as a view of everything written so far:
 * when the database's sequence number has moved since the iterator's view was taken, it is refreshed first (cheap
 * while RocksDB's set of memtables and files is unchanged), so it never shows a state older than the last completed
 * write. A kept iterator pins the memtables and files of its view until its next refresh or {@link #close}; one left
 * by a thread that ended is closed when another thread's is made. A nested borrow on the same thread gets an iterator
 * of its own, closed when given back.
 */
public final class ThreadIterators implements AutoCloseable {
    private final RocksDB db;
    private final ColumnFamilyHandle family;
    private final ThreadLocal<Kept> mine = new ThreadLocal<>();
    private final List<Kept> all = new ArrayList<>(); // guarded by itself
    private boolean closed; // guarded by all

    ThreadIterators(RocksDB db, ColumnFamilyHandle family) {
        this.db = db;
        this.family = family;
    }

    /** An iterator whose view holds every write completed before this call; give it back with {@link #giveBack}. */
    public RocksIterator borrow() throws FsException {
        long seq = db.getLatestSequenceNumber(); // before the view is taken: the view is at least this new
        Kept k = mine.get();
        if (k == null || k.it == null) k = keep(seq);
        if (k.lent) return db.newIterator(family); // nested: an iterator of its own, current by construction
        if (k.seq != seq) {
            try {
                k.it.refresh();
            } catch (RocksDBException e) {
                throw Rocks.fail("read", e);
            }
            k.seq = seq;
        }
        k.lent = true;
        return k.it;
    }

    /** Returns an iterator from {@link #borrow}: the thread's own is kept (its position is not), any other closed. */
    public void giveBack(RocksIterator it) {
        Kept k = mine.get();
        if (k != null && k.it == it) k.lent = false;
        else it.close();
    }

    private Kept keep(long seq) {
        synchronized (all) {
            if (closed) throw new IllegalStateException("store closed");
            all.removeIf(o -> {
                if (o.owner.isAlive()) return false;
                o.it.close();
                return true;
            });
            Kept k = new Kept(Thread.currentThread(), db.newIterator(family), seq);
            all.add(k);
            mine.set(k);
            return k;
        }
    }

    /** Closes every kept iterator (before the database closes). */
    @Override
    public void close() {
        synchronized (all) {
            closed = true;
            for (Kept k : all) {
                k.it.close();
                k.it = null;
            }
            all.clear();
        }
    }

    private static final class Kept {
        final Thread owner;
        RocksIterator it;
        long seq; // the sequence number its view holds at least
        boolean lent;

        Kept(Thread owner, RocksIterator it, long seq) {
            this.owner = owner;
            this.it = it;
            this.seq = seq;
        }
    }
}
