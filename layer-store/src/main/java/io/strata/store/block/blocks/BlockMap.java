package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Counters;
import io.strata.store.block.txn.Txn;
import org.rocksdb.RocksIterator;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A regular file's data: inline in its inode while small, else a map unit index → {@link Unit} in the blocks
 * family. Reads resolve each unit through the chain (the newest generation holding it wins, whole); a write copies
 * the resolved unit into the head generation (copy-on-write at unit granularity, 4 KiB pages inside), so a
 * snapshot never sees a later write. Pages that no generation holds read from the lower origin below originLimit,
 * else as zeros. Invariant: bytes of present pages beyond the file size are zeros.
 *
 * <p>The caller owns the inode: it passes the current version in, and writes it back (size, times) in the same
 * {@link Txn}.
 */
public final class BlockMap {
    /** Files up to this size keep their data in the inode. */
    public static final int INLINE_MAX = 2048;
    public static final long MAX_FILE_SIZE = 1L << 44;
    private final StoreDb db;
    private final int unit;
    private final Origins origins;

    public BlockMap(StoreDb db, Origins origins) {
        this.db = db;
        this.unit = db.unit();
        this.origins = origins;
    }

    public int unitBytes() {
        return unit;
    }

    // ---------------------------------------------------------------- read

    public int read(Chain chain, Inode n, long off, byte[] buf, int bo, int len) throws FsException {
        if (off < 0 || len < 0) throw new FsException(Errno.EINVAL);
        if (off >= n.size || len == 0) return 0;
        int count = (int) Math.min(len, n.size - off);
        if (n.inline != null) {
            System.arraycopy(n.inline, (int) off, buf, bo, count);
            return count;
        }
        int done = 0;
        while (done < count) {
            long pos = off + done;
            long u = pos / unit;
            int in = (int) (pos % unit), take = Math.min(count - done, unit - in);
            Arrays.fill(buf, bo + done, bo + done + take, (byte) 0);
            byte[] v = chain.get(db, db.blocks, Keys.block(0, n.ino, u));
            long present = v == null ? 0 : Unit.readInto(v, in, buf, bo + done, take);
            if (n.origin != null && pos < n.originLimit) fromOrigin(n, u, in, take, present, buf, bo + done);
            done += take;
        }
        return count;
    }

    /** Fills the pages of [in, in+take) of unit u that are not in present from the origin, runs of pages at once. */
    private void fromOrigin(Inode n, long u, int in, int take, long present, byte[] buf, int at) throws FsException {
        int end = in + take;
        int p = in / Unit.PAGE;
        while (p * Unit.PAGE < end) {
            if ((present & (1L << p)) != 0) {
                p++;
                continue;
            }
            int q = p;
            while ((q + 1) * Unit.PAGE < end && (present & (1L << (q + 1))) == 0) q++;
            int from = Math.max(in, p * Unit.PAGE), to = Math.min(end, (q + 1) * Unit.PAGE);
            long abs = u * unit + from;
            long limit = Math.min(to, n.originLimit - u * unit);
            if (limit > from) origins.pread(n.origin, abs, buf, at + (from - in), (int) (limit - from));
            p = q + 1;
        }
    }

    // ---------------------------------------------------------------- write

    /** One unit being rewritten in the head: its new image and what the key held before (for the counters). */
    private final class Staged {
        final long index;
        final Unit image;
        final int oldHeadLen;   // bytes of the head's own value, 0 if none
        final int parentLen;    // bytes of the parent's value this write shadows for the first time, 0 if none

        Staged(long index, Unit image, int oldHeadLen, int parentLen) {
            this.index = index;
            this.image = image;
            this.oldHeadLen = oldHeadLen;
            this.parentLen = parentLen;
        }
    }

    private Staged load(Chain chain, long ino, long u, boolean needImage) throws FsException {
        Chain.Hit h = chain.find(db, db.blocks, Keys.block(0, ino, u), 0);
        int oldHead = h != null && h.depth() == 0 ? h.value().length : 0;
        int parent = h != null && h.depth() == 1 && !h.tombstone() ? h.value().length : 0;
        Unit img = h == null || h.tombstone() || !needImage ? new Unit(unit) : Unit.decode(h.value(), unit);
        return new Staged(u, img, oldHead, parent);
    }

    private void stage(Txn t, Chain chain, long ino, Staged s) throws FsException {
        byte[] v = s.image.encode();
        t.put(db.blocks, Keys.block(chain.head(), ino, s.index), v);
        t.count(chain.head(), Counters.DATA, v.length - s.oldHeadLen);
        t.count(chain.head(), Counters.SHADOWED_PARENT, s.parentLen);
    }

    public void write(Txn t, Chain chain, Inode n, long off, byte[] buf, int bo, int len) throws FsException {
        if (off < 0 || len < 0) throw new FsException(Errno.EINVAL);
        long end = off + len;
        if (end > MAX_FILE_SIZE) throw new FsException(Errno.EFBIG);
        if (len == 0) return;
        if (n.inline != null) {
            if (end <= INLINE_MAX) {
                if (n.inline.length < end) n.inline = Arrays.copyOf(n.inline, (int) end);
                System.arraycopy(buf, bo, n.inline, (int) off, len);
                n.size = n.inline.length;
                return;
            }
        }
        Map<Long, Staged> pending = n.inline != null ? unInline(chain, n) : new HashMap<>();
        int done = 0;
        while (done < len) {
            long pos = off + done;
            long u = pos / unit;
            int in = (int) (pos % unit), take = Math.min(len - done, unit - in);
            Staged s = pending.remove(u);
            if (s == null) s = load(chain, n.ino, u, take < unit);
            byte[] img = s.image.data();
            for (int p = in / Unit.PAGE; p * Unit.PAGE < in + take; p++) {
                int ps = p * Unit.PAGE;
                boolean whole = in <= ps && in + take >= ps + Unit.PAGE;
                if (!whole && !s.image.has(p)) originPage(n, u, p, img);
                s.image.markPresent(p);
            }
            System.arraycopy(buf, bo + done, img, in, take);
            stage(t, chain, n.ino, s);
            done += take;
        }
        for (Staged s : pending.values()) stage(t, chain, n.ino, s);
        n.size = Math.max(n.size, end);
    }

    /** Loads page p of unit u from the origin into img (zeros beyond originLimit), before a partial write. */
    private void originPage(Inode n, long u, int p, byte[] img) throws FsException {
        Arrays.fill(img, p * Unit.PAGE, (p + 1) * Unit.PAGE, (byte) 0);
        if (n.origin == null) return;
        long abs = u * unit + (long) p * Unit.PAGE;
        long avail = Math.min(Unit.PAGE, n.originLimit - abs);
        if (avail > 0) origins.pread(n.origin, abs, img, p * Unit.PAGE, (int) avail);
    }

    /** Moves inline data into units (staged, not yet written); the inode becomes block-mapped. */
    private Map<Long, Staged> unInline(Chain chain, Inode n) throws FsException {
        Map<Long, Staged> out = new HashMap<>();
        byte[] data = n.inline;
        n.inline = null;
        for (int at = 0; at < data.length; at += Unit.PAGE) {
            long u = at / unit;
            Staged s = out.get(u);
            if (s == null) out.put(u, s = load(chain, n.ino, u, false));
            int len = Math.min(Unit.PAGE, data.length - at);
            System.arraycopy(data, at, s.image.data(), at % unit, len);
            s.image.markPresent((at % unit) / Unit.PAGE);
        }
        return out;
    }

    // ---------------------------------------------------------------- truncate, punch, release

    public void truncate(Txn t, Chain chain, Inode n, long size) throws FsException {
        if (size < 0) throw new FsException(Errno.EINVAL);
        if (size > MAX_FILE_SIZE) throw new FsException(Errno.EFBIG);
        if (n.inline != null) {
            if (size <= INLINE_MAX) {
                n.inline = Arrays.copyOf(n.inline, (int) size);
                n.size = size;
                return;
            }
            for (Staged s : unInline(chain, n).values()) stage(t, chain, n.ino, s);
            n.size = size;
            return;
        }
        if (size < n.size) {
            long firstGone = (size + unit - 1) / unit;
            removeUnitsFrom(t, chain, n.ino, firstGone);
            int tail = (int) (size % unit);
            if (tail != 0) {
                Staged s = load(chain, n.ino, size / unit, true);
                if (!s.image.empty()) {
                    cutAfter(s.image, tail);
                    stage(t, chain, n.ino, s);
                }
            }
            if (n.origin != null) n.originLimit = Math.min(n.originLimit, size);
        }
        n.size = size;
    }

    /** Zeros everything of the unit at or after offset-in-unit from (drops whole pages). */
    private static void cutAfter(Unit img, int from) {
        for (int p = 0; p < img.pages(); p++) {
            int ps = p * Unit.PAGE;
            if (ps >= from) {
                if (img.has(p)) img.drop(p);
            } else if (ps + Unit.PAGE > from && img.has(p)) {
                Arrays.fill(img.data(), from, ps + Unit.PAGE, (byte) 0);
            }
        }
    }

    /** FALLOC_FL_PUNCH_HOLE|KEEP_SIZE: [off, off+len) reads as zeros afterwards; the size does not change. */
    public void punch(Txn t, Chain chain, Inode n, long off, long len) throws FsException {
        if (off < 0 || len <= 0) throw new FsException(Errno.EINVAL);
        long end = Math.min(off + len, n.size);
        if (end <= off) return;
        if (n.inline != null) {
            Arrays.fill(n.inline, (int) off, (int) end, (byte) 0);
            return;
        }
        for (long u = off / unit; u * unit < end; u++) {
            long us = u * unit;
            int from = (int) (Math.max(off, us) - us), to = (int) (Math.min(end, us + unit) - us);
            boolean origin = n.origin != null && us + from < n.originLimit;
            if (from == 0 && to == unit && !origin) {
                removeUnit(t, chain, n.ino, u);
                continue;
            }
            Staged s = load(chain, n.ino, u, true);
            boolean changed = false;
            for (int p = from / Unit.PAGE; p * Unit.PAGE < to; p++) {
                int ps = p * Unit.PAGE;
                boolean pageFromOrigin = n.origin != null && us + ps < n.originLimit;
                int a = Math.max(from, ps), b = Math.min(to, ps + Unit.PAGE);
                if (a == ps && b == ps + Unit.PAGE && !pageFromOrigin) {
                    if (s.image.has(p)) {
                        s.image.drop(p);
                        changed = true;
                    }
                    continue;
                }
                if (!s.image.has(p)) {
                    if (!pageFromOrigin) continue; // a hole already
                    originPage(n, u, p, s.image.data());
                    s.image.markPresent(p);
                }
                Arrays.fill(s.image.data(), a, b, (byte) 0);
                changed = true;
            }
            if (changed) stage(t, chain, n.ino, s);
        }
    }

    /** Removes one unit from the point: a tombstone when an older generation holds it. */
    private void removeUnit(Txn t, Chain chain, long ino, long u) throws FsException {
        Chain.Hit h = chain.find(db, db.blocks, Keys.block(0, ino, u), 0);
        if (h == null) return;
        byte[] key = Keys.block(chain.head(), ino, u);
        if (h.depth() == 0) {
            t.count(chain.head(), Counters.DATA, -h.value().length);
            Chain.Hit older = chain.find(db, db.blocks, key, 1);
            if (older != null && !older.tombstone()) t.put(db.blocks, key, Keys.TOMBSTONE);
            else t.delete(db.blocks, key);
        } else if (!h.tombstone()) {
            t.put(db.blocks, key, Keys.TOMBSTONE);
            if (h.depth() == 1) t.count(chain.head(), Counters.SHADOWED_PARENT, h.value().length);
        }
    }

    /** Removes every unit with index ≥ from (truncate): the head's own ones, and tombstones over older ones. */
    private void removeUnitsFrom(Txn t, Chain chain, long ino, long from) throws FsException {
        Set<Long> seen = new HashSet<>();
        for (int d = 0; d < chain.depth(); d++) {
            for (long u : unitIndexes(chain.gen(d), ino, from)) if (seen.add(u)) removeUnit(t, chain, ino, u);
        }
    }

    /** Unit indexes ≥ from that generation gen holds for ino (values or tombstones). */
    private long[] unitIndexes(long gen, long ino, long from) {
        byte[] lo = Keys.block(gen, ino, from), hi = Keys.inodePrefix(gen, ino + 1);
        long[] out = new long[16];
        int n = 0;
        try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) {
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = Keys.unit(it.key());
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * The inode is gone from the point (last link removed): drops the head's units of it. Older generations' units
     * stay for the snapshots that see them; nothing in this point can reach them any more (the inode's tombstone).
     */
    public void release(Txn t, Chain chain, long ino) throws FsException {
        long head = chain.head();
        Set<Long> own = new HashSet<>();
        byte[] lo = Keys.inodePrefix(head, ino), hi = Keys.inodePrefix(head, ino + 1);
        long freed = 0;
        try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) {
                own.add(Keys.unit(it.key()));
                freed += it.value().length;
            }
        }
        t.deleteRange(db.blocks, lo, hi);
        t.count(head, Counters.DATA, -freed);
        if (chain.depth() > 1) {
            long parent = chain.gen(1), shadowed = 0;
            try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
                byte[] plo = Keys.inodePrefix(parent, ino), phi = Keys.inodePrefix(parent, ino + 1);
                for (it.seek(plo); it.isValid() && Arrays.compareUnsigned(it.key(), phi) < 0; it.next()) {
                    if (!own.contains(Keys.unit(it.key())) && !Keys.isTombstone(it.value())) shadowed += it.value().length;
                }
            }
            t.count(head, Counters.SHADOWED_PARENT, shadowed);
        }
    }

    /**
     * st_blocks: inline bytes, else the size in whole pages. Not a count of present pages: that would cost a read
     * per unit on every getattr (holes are real, they are just not reported).
     */
    public static long blocks512(Inode n) {
        if (n.inline != null) return (n.inline.length + 511) / 512;
        return (n.size + Unit.PAGE - 1) / Unit.PAGE * (Unit.PAGE / 512);
    }
}
