package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.layerfs.HostRange;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.pages.PageFiles;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Counters;
import io.strata.store.block.txn.Txn;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A regular file's data: inline in its inode while small, else a map unit index → {@link Unit} in the blocks
 * family. A page is read from the newest generation of the chain that decides it (present or cleared), else from the
 * lower origin below originLimit, else it is zero. A write stores only the pages it touches in the head generation
 * (a partial page is completed from below first), so copy-on-write costs 4 KiB per page touched and a snapshot
 * never sees a later write. Invariant: bytes of present pages beyond the file size are zeros.
 *
 * <p>The caller owns the inode: it passes the current version in and writes it back (size, times) in the same
 * {@link Txn}.
 */
public final class BlockMap {
    /** Files up to this size keep their data in the inode. */
    public static final int INLINE_MAX = 2048;
    public static final long MAX_FILE_SIZE = 1L << 44;
    private static final byte[] NO_BYTES = new byte[0];
    private final StoreDb db;
    private final int unit;
    private final long allPages;
    private final Origins origins;
    private final PageFiles pages;

    public BlockMap(StoreDb db, Origins origins) {
        this.db = db;
        this.pages = db.pages();
        this.unit = db.unit();
        this.allPages = Unit.allPages(unit);
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
        try (Versions versions = new Versions(db)) {
            while (done < count) {
                long pos = off + done;
                long u = pos / unit;
                int in = (int) (pos % unit), take = Math.min(count - done, unit - in);
                Arrays.fill(buf, bo + done, bo + done + take, (byte) 0);
                long need = Unit.pagesOf(in, in + take);
                for (versions.of(chain, n, u, 0); need != 0 && versions.next(); ) {
                    byte[] v = versions.value();
                    if (Keys.isTombstone(v)) {
                        need = 0; // every page cleared: zeros
                        break;
                    }
                    copyPresent(chain.gen(versions.depth()), n.ino, u, v, need, in, buf, bo + done, take);
                    need &= ~Unit.coveredOf(v, unit);
                }
                if (need != 0 && n.origin != null && pos < n.originLimit) fromOrigin(n, u, in, take, need, buf, bo + done);
                done += take;
            }
        }
        return count;
    }

    /**
     * Where {@link #read} of [off, off+len) would copy every byte from one host file, held until the range is closed:
     * the origin, or one generation's page file (both keep each byte at its own file offset, so the range's offset is
     * off). Null when the bytes come from more than one place, or any is zeros (a hole, a cleared page, past the
     * origin's limit) or kept in RocksDB (an inline file or unit), or the host file is shorter: then read copies.
     */
    public HostRange hostRange(Chain chain, Inode n, long off, long len) throws FsException {
        if (off < 0 || len <= 0 || len > Integer.MAX_VALUE || off >= n.size || n.inline != null) return null;
        int count = (int) Math.min(len, n.size - off);
        long gen = -1; // the generation whose page file holds the bytes, if any
        boolean origin = false;
        try (Versions versions = new Versions(db)) {
            for (long pos = off, end = off + count; pos < end; ) {
                long u = pos / unit;
                int in = (int) (pos % unit), take = (int) Math.min(end - pos, unit - in);
                long need = Unit.pagesOf(in, in + take);
                for (versions.of(chain, n, u, 0); need != 0 && versions.next(); ) {
                    byte[] v = versions.value();
                    if (Keys.isTombstone(v)) return null;
                    long hit = need & Unit.coveredOf(v, unit);
                    if (hit == 0) continue;
                    if ((hit & ~Unit.presentOf(v)) != 0 || !Unit.isPaged(v)) return null;
                    long g = chain.gen(versions.depth());
                    if (origin || gen != -1 && gen != g) return null;
                    gen = g;
                    need &= ~hit;
                }
                if (need != 0) {
                    if (gen != -1 || n.origin == null || pos + take > n.originLimit) return null;
                    origin = true;
                }
                pos += take;
            }
        }
        return origin ? origins.range(n.origin, off, count) : pages.range(gen, n.ino, off, count);
    }

    /** Fills the pages of mask within [in, in+take) of unit u from the origin, runs of pages at once. */
    private void fromOrigin(Inode n, long u, int in, int take, long mask, byte[] buf, int at) throws FsException {
        int end = in + take;
        Unit.runs(mask, (p, q) -> {
            int from = Math.max(in, p * Unit.PAGE), to = Math.min(end, (q + 1) * Unit.PAGE);
            long limit = Math.min(to, n.originLimit - u * unit);
            if (limit > from) origins.pread(n.origin, u * unit + from, buf, at + (from - in), (int) (limit - from));
        });
    }

    /** Page p of unit u as the generations from depth `from` on and the origin give it, into img (zeros else). */
    private void pageBelow(Chain chain, Inode n, long u, int p, int from, byte[] img) throws FsException {
        Arrays.fill(img, p * Unit.PAGE, (p + 1) * Unit.PAGE, (byte) 0);
        long bit = 1L << p;
        try (Versions versions = new Versions(db)) {
            for (versions.of(chain, n, u, from); versions.next(); ) {
                byte[] v = versions.value();
                if ((Unit.coveredOf(v, unit) & bit) == 0) continue;
                if ((Unit.presentOf(v) & bit) != 0)
                    copyPresent(chain.gen(versions.depth()), n.ino, u, v, bit, p * Unit.PAGE, img, p * Unit.PAGE, Unit.PAGE);
                return;
            }
        }
        if (n.origin == null) return;
        long abs = u * unit + (long) p * Unit.PAGE;
        long avail = Math.min(Unit.PAGE, n.originLimit - abs);
        if (avail > 0) origins.pread(n.origin, abs, img, p * Unit.PAGE, (int) avail);
    }

    /**
     * {@link Unit#copyPresent} for a value of generation gen, inline or paged (then read from gen's page file of
     * ino: one pread per run of present pages).
     */
    private void copyPresent(long gen, long ino, long u, byte[] v, long mask, int in, byte[] dst, int dstOff, int len)
            throws FsException {
        if (!Unit.isPaged(v)) {
            Unit.copyPresent(v, mask, in, dst, dstOff, len);
            return;
        }
        int end = in + len;
        Unit.runs(Unit.presentOf(v) & mask, (p, q) -> {
            int from = Math.max(in, p * Unit.PAGE), to = Math.min(end, (q + 1) * Unit.PAGE);
            if (to > from) pages.read(gen, ino, u * unit + from, dst, dstOff + (from - in), to - from);
        });
    }

    /** Writes the pages of mask of a unit image to gen's page file of ino, a run of pages per call. */
    private void writePages(long gen, long ino, long u, byte[] img, long mask) throws FsException {
        Unit.runs(mask, (p, q) -> pages.write(gen, ino, u * unit + (long) p * Unit.PAGE, img, p * Unit.PAGE, (q + 1 - p) * Unit.PAGE));
    }

    /** Once t is committed, returns the page-file space of the pages of mask of unit u (no key refers to it). */
    private void punchAfter(Txn t, long gen, long ino, long u, long mask) {
        if (mask == 0) return;
        t.afterCommit(() -> Unit.runs(mask, (p, q) ->
                pages.punch(gen, ino, u * unit + (long) p * Unit.PAGE, (long) (q + 1 - p) * Unit.PAGE)));
    }

    // ---------------------------------------------------------------- the head's copy of a unit

    /**
     * One unit being rewritten in the head: its new image and what the head's key held before (for counters and
     * for the head's page file: which pages are there already).
     */
    private final class Staged {
        final long index;
        final Unit image;
        final long oldLen;        // bytes the head's value counted for before, 0 if none
        final long coveredBefore, presentBefore;
        final boolean pagedBefore; // the present pages' bytes are in the head's page file, not (yet) in image
        long loaded;               // present pages whose bytes image holds
        long dirty;                // pages this change wrote into image

        Staged(long index, Unit image, long oldLen) {
            this.index = index;
            this.image = image;
            this.oldLen = oldLen;
            this.coveredBefore = image.covered();
            this.presentBefore = image.present();
            this.pagedBefore = image.paged();
            this.loaded = pagedBefore ? 0 : presentBefore;
        }

        /** Makes page p present, completing it (from the head's page file, or below) unless the caller overwrites all of it. */
        void own(Chain chain, Inode n, int p, boolean whole) throws FsException {
            long bit = 1L << p;
            dirty |= bit;
            if (image.has(p)) {
                if (!whole && (loaded & bit) == 0) loadPage(chain.head(), n.ino, p);
                loaded |= bit;
                return;
            }
            if (!whole && !image.isCleared(p)) pageBelow(chain, n, index, p, 1, image.data());
            image.markPresent(p);
            loaded |= bit;
        }

        void loadPage(long head, long ino, int p) throws FsException {
            pages.read(head, ino, index * unit + (long) p * Unit.PAGE, image.data(), p * Unit.PAGE, Unit.PAGE);
        }
    }

    private Staged load(Chain chain, long ino, long u) throws FsException {
        byte[] v = db.get(db.blocks, Keys.block(chain.head(), ino, u));
        if (v == null) return new Staged(u, new Unit(unit), 0);
        return new Staged(u, Unit.decode(v, unit), Unit.storedOf(v));
    }

    /** A unit value into the blocks family, with its versions entry (see {@link Keys}). */
    private void putUnit(Txn t, byte[] key, byte[] v) throws FsException {
        t.put(db.blocks, key, v);
        t.put(db.versions, Keys.versionOf(key), NO_BYTES);
    }

    private void deleteUnit(Txn t, byte[] key) throws FsException {
        t.delete(db.blocks, key);
        t.delete(db.versions, Keys.versionOf(key));
    }

    /**
     * The staged unit into the batch; a paged unit's new pages into the head's page file first (the batch that
     * describes them is committed after them, under the head's lock that fixes which generation is the head).
     */
    private void stage(Txn t, Chain chain, Inode n, Staged s) throws FsException {
        long head = chain.head();
        byte[] key = Keys.block(head, n.ino, s.index);
        long unreferenced = s.pagedBefore ? s.presentBefore & ~s.image.present() : 0;
        if (s.image.decidesNothing()) {
            deleteUnit(t, key);
            t.count(head, Counters.DATA, -s.oldLen);
        } else {
            boolean paged = pages.paged(s.index * unit);
            if (paged) {
                writePages(head, n.ino, s.index, s.image.data(), s.image.present() & (s.pagedBefore ? s.dirty : -1L));
            } else if (s.pagedBefore) { // inline from now on: its bytes move into the value
                for (long m = s.image.present() & ~s.loaded; m != 0; m &= m - 1) s.loadPage(head, n.ino, Long.numberOfTrailingZeros(m));
                unreferenced = s.presentBefore;
            }
            s.image.paged(paged);
            byte[] v = s.image.encode();
            putUnit(t, key, v);
            t.count(head, Counters.DATA, Unit.storedOf(v) - s.oldLen);
        }
        punchAfter(t, head, n.ino, s.index, unreferenced);
        shadowed(t, chain, n, s.index, s.image.covered() & ~s.coveredBefore);
    }

    /** Counts the parent's present pages among `newly` (pages of unit u the head decides from now on) as shadowed. */
    private void shadowed(Txn t, Chain chain, Inode n, long u, long newly) throws FsException {
        if (newly != 0 && chain.depth() > 1 && u * unit < n.hiddenFrom(chain.gen(1))) {
            byte[] pv = db.get(db.blocks, Keys.block(chain.gen(1), n.ino, u));
            if (pv != null) t.count(chain.head(), Counters.SHADOWED_PARENT, (long) Unit.PAGE * Long.bitCount(Unit.presentOf(pv) & newly));
        }
    }

    /**
     * Unit u becomes src[at, at+unit) whole: nothing below shows through, so nothing is merged; the head's value
     * before is read only for the counters, and not at all at or past EOF (where the head holds none: a truncate
     * drops the head's units beyond the new end).
     */
    private boolean writeWhole(Txn t, Chain chain, Inode n, long u, byte[] src, int at, boolean pastEof) throws FsException {
        byte[] key = Keys.block(chain.head(), n.ino, u);
        byte[] old = pastEof ? null : db.get(db.blocks, key);
        boolean paged = pages.paged(u * unit);
        byte[] v = paged ? Unit.pagedWhole(unit) : Unit.encodeWhole(src, at, unit);
        putUnit(t, key, v);
        t.count(chain.head(), Counters.DATA, Unit.storedOf(v) - (old == null ? 0 : Unit.storedOf(old)));
        if (!paged && old != null && Unit.isPaged(old)) punchAfter(t, chain.head(), n.ino, u, Unit.presentOf(old));
        shadowed(t, chain, n, u, allPages & ~(old == null ? 0 : Unit.coveredOf(old, unit)));
        return paged;
    }

    // ---------------------------------------------------------------- write

    public void write(Txn t, Chain chain, Inode n, long off, byte[] buf, int bo, int len) throws FsException {
        if (off < 0 || len < 0) throw new FsException(Errno.EINVAL);
        long end = off + len;
        if (end > MAX_FILE_SIZE) throw new FsException(Errno.EFBIG);
        if (len == 0) return;
        if (n.inline != null && end <= INLINE_MAX) {
            if (n.inline.length < end) n.inline = Arrays.copyOf(n.inline, (int) end);
            System.arraycopy(buf, bo, n.inline, (int) off, len);
            n.size = n.inline.length;
            return;
        }
        Map<Long, Staged> pending = n.inline != null ? unInline(chain, n) : Map.of();
        long eof = n.size;
        int done = 0;
        long runPos = 0; // paged whole units go to the page file as one run: [runPos, +runLen) from buf[runAt…]
        int runAt = 0, runLen = 0;
        while (done < len) {
            long pos = off + done;
            long u = pos / unit;
            int in = (int) (pos % unit), take = Math.min(len - done, unit - in);
            boolean pastEof = u * unit >= eof;
            Staged s = pending.isEmpty() ? null : pending.remove(u);
            if (s == null && take == unit) {
                if (writeWhole(t, chain, n, u, buf, bo + done, pastEof)) {
                    if (runLen > 0 && runPos + runLen != pos) {
                        pages.write(chain.head(), n.ino, runPos, buf, runAt, runLen);
                        runLen = 0;
                    }
                    if (runLen == 0) {
                        runPos = pos;
                        runAt = bo + done;
                    }
                    runLen += unit;
                }
                done += take;
                continue;
            }
            // at or past EOF the head holds no value and every page below reads as zeros: nothing to read
            if (s == null) s = pastEof ? new Staged(u, new Unit(unit), 0) : load(chain, n.ino, u);
            for (int p = in / Unit.PAGE; p * Unit.PAGE < in + take; p++) {
                int ps = p * Unit.PAGE;
                s.own(chain, n, p, pastEof || (in <= ps && in + take >= ps + Unit.PAGE));
            }
            System.arraycopy(buf, bo + done, s.image.data(), in, take);
            stage(t, chain, n, s);
            done += take;
        }
        if (runLen > 0) pages.write(chain.head(), n.ino, runPos, buf, runAt, runLen);
        for (Staged s : pending.values()) stage(t, chain, n, s);
        n.size = Math.max(n.size, end);
    }

    /** Moves inline data into units (staged, not yet written); the inode becomes block-mapped. */
    private Map<Long, Staged> unInline(Chain chain, Inode n) throws FsException {
        Map<Long, Staged> out = new HashMap<>();
        byte[] data = n.inline;
        n.inline = null;
        for (int at = 0; at < data.length; at += Unit.PAGE) {
            long u = at / unit;
            Staged s = out.get(u);
            if (s == null) out.put(u, s = load(chain, n.ino, u));
            int p = (at % unit) / Unit.PAGE;
            s.own(chain, n, p, true);
            Arrays.fill(s.image.data(), p * Unit.PAGE, (p + 1) * Unit.PAGE, (byte) 0);
            System.arraycopy(data, at, s.image.data(), at % unit, Math.min(Unit.PAGE, data.length - at));
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
            for (Staged s : unInline(chain, n).values()) stage(t, chain, n, s);
            n.size = size;
            return;
        }
        if (size < n.size) {
            if (n.origin != null) n.originLimit = Math.min(n.originLimit, size);
            cutFrom(t, chain, n, (size + unit - 1) / unit);
            int tail = (int) (size % unit);
            if (tail != 0) {
                Staged s = load(chain, n.ino, size / unit);
                int partial = tail / Unit.PAGE;
                for (int p = partial; p < s.image.pages(); p++) {
                    if (p == partial && tail % Unit.PAGE != 0) {
                        s.own(chain, n, p, false);
                        Arrays.fill(s.image.data(), tail, (p + 1) * Unit.PAGE, (byte) 0);
                    } else {
                        s.image.clear(p);
                    }
                }
                stage(t, chain, n, s);
            }
        }
        n.size = size;
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
            if (from == 0 && to == unit) {
                removeUnit(t, chain, n, u);
                continue;
            }
            Staged s = load(chain, n.ino, u);
            for (int p = from / Unit.PAGE; p * Unit.PAGE < to; p++) {
                int ps = p * Unit.PAGE;
                int a = Math.max(from, ps), b = Math.min(to, ps + Unit.PAGE);
                if (a == ps && b == ps + Unit.PAGE) {
                    s.image.clear(p);
                } else {
                    s.own(chain, n, p, false);
                    Arrays.fill(s.image.data(), a, b, (byte) 0);
                }
            }
            stage(t, chain, n, s);
        }
    }

    /** The unit reads as zeros from now on: a tombstone when anything below could show through, else no key. */
    private void removeUnit(Txn t, Chain chain, Inode n, long u) throws FsException {
        byte[] key = Keys.block(chain.head(), n.ino, u);
        byte[] own = db.get(db.blocks, key);
        if (own != null) t.count(chain.head(), Counters.DATA, -Unit.storedOf(own));
        if (own != null && Unit.isPaged(own)) punchAfter(t, chain.head(), n.ino, u, Unit.presentOf(own));
        boolean origin = n.origin != null && u * unit < n.originLimit;
        boolean older = false;
        long shadow = 0;
        try (Versions versions = new Versions(db)) {
            if (versions.of(chain, n, u, 1).next()) { // the newest value below the head decides
                byte[] v = versions.value();
                if (versions.depth() == 1 && own == null) shadow = (long) Unit.PAGE * Long.bitCount(Unit.presentOf(v));
                older = !Keys.isTombstone(v);
            }
        }
        if (older || origin) {
            if (own == null || !Keys.isTombstone(own)) putUnit(t, key, Keys.TOMBSTONE);
        } else if (own != null) {
            deleteUnit(t, key);
        }
        t.count(chain.head(), Counters.SHADOWED_PARENT, shadow);
    }

    /**
     * Every unit with index ≥ from reads as zeros from now on (truncate): the head's own are dropped with one
     * DeleteRange, older generations' are hidden by a cut in the inode (no key written per unit). Costs one pass
     * over the head's keys and the parent's keys beyond the cut (counters), reading 17-byte headers only.
     */
    private void cutFrom(Txn t, Chain chain, Inode n, long from) throws FsException {
        long head = chain.head();
        byte[] lo = Keys.block(head, n.ino, from), hi = Keys.inodePrefix(head, n.ino + 1);
        long[] own = new long[32]; // unit index, covered pages: pairs in unit order
        int owned = 0;
        long freed = 0;
        boolean paged = false;
        ByteBuffer header = ByteBuffer.allocateDirect(Unit.HEADER);
        try (ReadOptions ro = new ReadOptions().setFillCache(false); RocksIterator it = db.rocks().newIterator(db.blocks, ro)) {
            for (it.seek(lo); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (Arrays.compareUnsigned(key, hi) >= 0) break;
                byte[] h = header(it, header);
                if (owned == own.length) own = Arrays.copyOf(own, owned * 2);
                own[owned++] = Keys.unit(key);
                own[owned++] = Unit.coveredOf(h, unit);
                t.delete(db.versions, Keys.versionOf(key));
                freed += Unit.storedOf(h);
                paged |= Unit.isPaged(h);
            }
        }
        if (owned > 0) {
            t.deleteRange(db.blocks, lo, hi);
            t.count(head, Counters.DATA, -freed);
        }
        if (paged) t.afterCommit(() -> pages.truncate(head, n.ino, from * unit));
        long at = from * unit;
        boolean older = false; // does any older generation hold a unit the cut has to hide?
        for (int d = 1; d < chain.depth() && !older; d++) {
            long gen = chain.gen(d);
            if (at >= n.hiddenFrom(gen)) break;
            byte[] glo = Keys.block(gen, n.ino, from), ghi = Keys.inodePrefix(gen, n.ino + 1);
            try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
                it.seek(glo);
                older = it.isValid() && Arrays.compareUnsigned(it.key(), ghi) < 0 && Keys.unit(it.key()) * unit < n.hiddenFrom(gen);
            }
        }
        if (!older) return;
        if (n.cuts.length >= 2 * 0xffff) throw new FsException(Errno.ENOSPC, "inode " + n.ino + ": too many cuts");
        long parent = chain.gen(1), visible = n.hiddenFrom(parent), shadow = 0;
        byte[] plo = Keys.block(parent, n.ino, from), phi = Keys.inodePrefix(parent, n.ino + 1);
        try (ReadOptions ro = new ReadOptions().setFillCache(false); RocksIterator it = db.rocks().newIterator(db.blocks, ro)) {
            int o = 0;
            for (it.seek(plo); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (Arrays.compareUnsigned(key, phi) >= 0) break;
                long u = Keys.unit(key);
                if (u * unit >= visible) break; // an earlier cut hides it already (and counted it)
                byte[] h = header(it, header);
                while (o < owned && own[o] < u) o += 2;
                long covered = o < owned && own[o] == u ? own[o + 1] : 0;
                shadow += (long) Unit.PAGE * Long.bitCount(Unit.presentOf(h) & ~covered);
            }
        }
        t.count(head, Counters.SHADOWED_PARENT, shadow);
        n.cut(head, at);
    }

    /** The header of the iterator's unit value (or its tombstone), without copying its pages out of RocksDB. */
    private static byte[] header(RocksIterator it, ByteBuffer buf) {
        buf.clear();
        byte[] h = new byte[Math.min(it.value(buf), Unit.HEADER)];
        buf.get(0, h);
        return h;
    }

    /**
     * The inode is gone from the point (last link removed): drops the head's units of it. Older generations' units
     * stay for the snapshots that see them; nothing in this point can reach them any more (the inode's tombstone).
     */
    public void release(Txn t, Chain chain, Inode n) throws FsException {
        long ino = n.ino, head = chain.head();
        Map<Long, Long> own = new HashMap<>();
        byte[] lo = Keys.inodePrefix(head, ino), hi = Keys.inodePrefix(head, ino + 1);
        long freed = 0;
        boolean paged = false;
        try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) {
                byte[] v = it.value();
                own.put(Keys.unit(it.key()), Unit.coveredOf(v, unit));
                t.delete(db.versions, Keys.versionOf(it.key()));
                freed += Unit.storedOf(v);
                paged |= Unit.isPaged(v);
            }
        }
        t.deleteRange(db.blocks, lo, hi);
        if (paged) t.afterCommit(() -> pages.delete(head, ino));
        t.count(head, Counters.DATA, -freed);
        if (chain.depth() > 1) {
            long parent = chain.gen(1), visible = n.hiddenFrom(parent), shadowed = 0;
            try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
                byte[] plo = Keys.inodePrefix(parent, ino), phi = Keys.inodePrefix(parent, ino + 1);
                for (it.seek(plo); it.isValid() && Arrays.compareUnsigned(it.key(), phi) < 0; it.next()) {
                    if (Keys.unit(it.key()) * unit >= visible) break; // hidden by a cut: counted by it
                    long covered = own.getOrDefault(Keys.unit(it.key()), 0L);
                    shadowed += (long) Unit.PAGE * Long.bitCount(Unit.presentOf(it.value()) & ~covered);
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
