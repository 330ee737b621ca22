package io.strata.store.block.space;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.blocks.Unit;
import io.strata.store.block.db.Rocks;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What deduplication of identical 4 KiB pages would save, simulated over what the store holds ({@code strata df
 * --dedup}; ZFS's {@code zdb -S} does the same for a pool): every present page of every generation's block map, the
 * inline ones and those in page files, hashed and counted. The hash is CRC32C of each half of the page, 64 bits: at
 * 10^7 distinct pages a false match is ~3·10^-6 likely, though unlike SHA-256 it would not stand against data made to
 * collide, which an estimate can afford (a dedup that merged pages could not); it is intrinsic in the daemon's C1-only
 * JVM, where SHA-256 hashes 4 KiB in ~33 µs (~120 MB/s, 10 s for a 1 GiB store) against ~0.1 µs. Pages a file shares with its image are not here at all (a copy-up stores a reference),
 * so this is what identical writes in several containers, or the same data written again, would give back. All-zero
 * pages are counted apart: they could be holes instead. Inline payloads of small files (inode records) are not pages
 * and not counted, as in {@link Space}.
 *
 * <p>Read from a RocksDB snapshot without the store's lock, so requests go on meanwhile; a head's page written during
 * the scan may be hashed with its newer bytes (an estimate, not an accounting).
 */
public final class DedupEstimate {
    public static final int PAGE = Unit.PAGE;

    /** pages: present pages; unique: distinct contents among them; zero: all-zero pages; seconds: the scan's time. */
    public record Report(long pages, long unique, long zero, double seconds) {
        public long bytes() {
            return pages * PAGE;
        }

        /** Bytes that keeping one copy of each content would free. */
        public long saved() {
            return (pages - unique) * PAGE;
        }

        /** Stored / deduplicated, 1.0 for nothing in common (or an empty store). */
        public double ratio() {
            return unique == 0 ? 1.0 : (double) pages / unique;
        }
    }

    private final StoreDb db;
    private final CRC32C crc = new CRC32C();
    private long[] hashes = new long[1 << 12];
    private long pages, zero;

    private DedupEstimate(StoreDb db) {
        this.db = db;
    }

    public static Report of(StoreDb db) throws FsException {
        return new DedupEstimate(db).scan();
    }

    private Report scan() throws FsException {
        long t0 = System.nanoTime();
        int unitBytes = db.unit();
        byte[] page = new byte[Unit.PAGE];
        Snapshot snap = db.rocks().getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snap); RocksIterator it = db.rocks().newIterator(db.blocks, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key(), v = it.value();
                long present = Unit.presentOf(v);
                long at = Keys.unit(key) * unitBytes;
                for (long rest = present; rest != 0; rest &= rest - 1) {
                    int p = Long.numberOfTrailingZeros(rest);
                    if (Unit.isPaged(v)) {
                        Arrays.fill(page, (byte) 0); // a file a crash cut short reads as zeros, as BlockMap's reads do
                        db.pages().read(Keys.gen(key), Keys.ino(key), at + (long) p * Unit.PAGE, page, 0, Unit.PAGE);
                    } else {
                        Unit.copyPresent(v, 1L << p, p * Unit.PAGE, page, 0, Unit.PAGE);
                    }
                    add(page);
                }
            }
            try {
                it.status();
            } catch (org.rocksdb.RocksDBException e) {
                throw Rocks.fail("dedup scan", e);
            }
        } finally {
            db.rocks().releaseSnapshot(snap);
        }
        return new Report(pages, distinct(), zero, (System.nanoTime() - t0) / 1e9);
    }

    private void add(byte[] page) throws FsException {
        if (isZero(page)) zero++;
        long h = half(page, 0) << 32 | half(page, PAGE / 2);
        if (pages == hashes.length) {
            if (hashes.length >= Integer.MAX_VALUE - 8) throw new FsException(Errno.EFBIG, "dedup estimate: too many pages");
            hashes = Arrays.copyOf(hashes, (int) Math.min((long) hashes.length * 2, Integer.MAX_VALUE - 8));
        }
        hashes[(int) pages++] = h;
    }

    private long half(byte[] page, int from) {
        crc.reset();
        crc.update(page, from, PAGE / 2);
        return crc.getValue();
    }

    private long distinct() {
        Arrays.sort(hashes, 0, (int) pages);
        long n = 0;
        for (int i = 0; i < pages; i++) if (i == 0 || hashes[i] != hashes[i - 1]) n++;
        return n;
    }

    private static boolean isZero(byte[] page) {
        for (byte b : page) if (b != 0) return false;
        return true;
    }
}
