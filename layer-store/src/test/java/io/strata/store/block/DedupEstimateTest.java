package io.strata.store.block;

import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.space.DedupEstimate;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dedup simulation counts every present page once per generation that holds it, inline and paged alike, and
 * finds identical contents across containers and snapshots (real RocksDB and page files on disk).
 */
class DedupEstimateTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(BlockStore s, String container, String name, byte[] data) throws Exception {
        try (BlockLayer l = s.openLayer(container)) {
            long ino = l.create(l.rootIno(), name, 0100644, 0, 0, 0).ino();
            l.write(ino, 0, data, 0, data.length);
        }
    }

    @Test
    void identicalPagesAcrossContainersAndSnapshotsAreCountedOnce() throws Exception {
        Path dir = TempDirs.create("dedup");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            assertEquals(1.0, s.dedupEstimate().ratio(), "empty store: 1.0");
            assertEquals(0, s.dedupEstimate().pages());
            s.createContainer("a", "");
            s.createContainer("b", "");
            byte[] same = random(1 << 20, 1); // 256 pages: its first units inline in RocksDB, the rest in page files
            write(s, "a", "same", same);
            write(s, "a", "own", random(256 << 10, 2)); // 64 pages
            write(s, "a", "zeros", new byte[64 << 10]); // 16 pages, one content
            write(s, "b", "same", same); // 256 pages again
            DedupEstimate.Report r = s.dedupEstimate();
            assertEquals(256 + 64 + 16 + 256, r.pages());
            assertEquals(256 + 64 + 1, r.unique());
            assertEquals(16, r.zero());
            assertEquals((long) (256 + 15) * 4096, r.saved());

            // a snapshot keeps the page a later write replaces: both contents count, the new one is new
            s.createSnapshot("a", "s1");
            try (BlockLayer l = s.openLayer("a")) {
                long ino = l.lookup(l.rootIno(), "own").ino();
                byte[] patch = random(4096, 3);
                l.write(ino, 0, patch, 0, patch.length);
            }
            r = s.dedupEstimate();
            assertEquals(256 + 64 + 16 + 256 + 1, r.pages());
            assertEquals(256 + 64 + 1 + 1, r.unique());

            // the same page written again in b: found in the snapshot's generation
            try (BlockLayer l = s.openLayer("b")) {
                long ino = l.create(l.rootIno(), "copy", 0100644, 0, 0, 0).ino();
                byte[] first = java.util.Arrays.copyOf(random(256 << 10, 2), 4096);
                l.write(ino, 0, first, 0, first.length);
            }
            r = s.dedupEstimate();
            assertEquals(256 + 64 + 16 + 256 + 1 + 1, r.pages());
            assertEquals(256 + 64 + 1 + 1, r.unique());
        } finally {
            TempDirs.delete(dir);
        }
    }
}
