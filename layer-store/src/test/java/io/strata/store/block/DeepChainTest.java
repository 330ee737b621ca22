package io.strata.store.block;

import io.strata.core.writable.WritableLayer;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rocksdb.RocksIterator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.strata.store.block.BlockMapModelTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reads through chains of 300 generations, where a unit's values are found through the versions index (one seek)
 * rather than a get per generation: each generation rewrites, punches or truncates a little of one file, and the
 * head, snapshots, a restore, a clone, a cut in the deep head and a gc after removing half the snapshots are each
 * read back against the model right away. Then the index has exactly one entry per blocks key.
 */
class DeepChainTest {
    private static final int DEPTH = 300, SIZE = 100_000;

    @ParameterizedTest(name = "seed {0}, unit {1}")
    @CsvSource({"11, 4096", "12, 16384"})
    void readsThroughDeepChainsMatchTheModel(long seed, int unit) throws Exception {
        Path dir = TempDirs.create("deep");
        Random rnd = new Random(seed);
        try (BlockStore store = BlockStore.open(dir.resolve("db"), unit, MemoryBudget.SMALL, null)) {
            store.createContainer("c", "");
            byte[] model = new byte[SIZE];
            rnd.nextBytes(model);
            List<byte[]> snaps = new ArrayList<>();
            long ino;
            try (BlockLayer l = store.openLayer("c")) {
                ino = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                l.write(ino, 0, model, 0, model.length);
                for (int i = 0; i < DEPTH; i++) {
                    model = change(l, ino, model, rnd, unit);
                    store.createSnapshot("c", "s" + i);
                    snaps.add(model.clone());
                }
                model = change(l, ino, model, rnd, unit);
                assertArrayEquals(model, readAll(l, ino), "head, " + DEPTH + " deep");
                for (int i = 0; i < DEPTH; i += 37) assertSnapshot(store, "c", "s" + i, ino, snaps.get(i));

                // a cut in the deep head: older generations' units beyond it read as zeros, also after a grow
                l.truncate(ino, SIZE / 3);
                l.truncate(ino, SIZE);
                Arrays.fill(model, SIZE / 3, SIZE, (byte) 0);
                assertArrayEquals(model, readAll(l, ino), "after truncating down and up");
                assertSnapshot(store, "c", "s" + (DEPTH - 1), ino, snaps.get(DEPTH - 1));
            }

            store.restore("c", "s150");
            try (BlockLayer l = store.openLayer("c")) {
                assertArrayEquals(snaps.get(150), readAll(l, ino), "right after the restore to s150");
                model = change(l, ino, snaps.get(150).clone(), rnd, unit);
                assertArrayEquals(model, readAll(l, ino), "restored head changed");
            }

            store.clone("c", "s280", "k");
            try (BlockLayer k = store.openLayer("k")) {
                assertArrayEquals(snaps.get(280), readAll(k, ino), "right after the clone of s280");
                byte[] km = change(k, ino, snaps.get(280).clone(), rnd, unit);
                assertArrayEquals(km, readAll(k, ino), "clone changed");
            }

            for (int i = 1; i < DEPTH; i += 2) store.removeSnapshot("c", "s" + i); // prunes and splices
            store.gc();
            try (BlockLayer l = store.openLayer("c")) {
                assertArrayEquals(model, readAll(l, ino), "head after gc");
            }
            for (int i = 0; i < DEPTH; i += 2 * 17) assertSnapshot(store, "c", "s" + i, ino, snaps.get(i));
            assertSnapshot(store, "c", "s280", ino, snaps.get(280));
            assertIndexMatchesBlocks(store.db());

            store.removeContainer("k");
            store.gc();
            assertSnapshot(store, "c", "s280", ino, snaps.get(280));
            assertIndexMatchesBlocks(store.db());
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** One generation's change: a small write (often partial pages), a punched hole, or a truncate down and up. */
    private static byte[] change(BlockLayer l, long ino, byte[] model, Random rnd, int unit) throws Exception {
        int op = rnd.nextInt(10);
        if (op < 7) {
            byte[] b = new byte[1 + rnd.nextInt(op < 2 ? 3 * unit : 5000)];
            rnd.nextBytes(b);
            int off = rnd.nextInt(SIZE - b.length);
            l.write(ino, off, b, 0, b.length);
            System.arraycopy(b, 0, model, off, b.length);
        } else if (op < 9) {
            int off = rnd.nextInt(SIZE), len = 1 + rnd.nextInt(2 * unit);
            l.fallocate(ino, WritableLayer.FALLOC_FL_PUNCH_HOLE | WritableLayer.FALLOC_FL_KEEP_SIZE, off, len);
            Arrays.fill(model, off, Math.min(SIZE, off + len), (byte) 0);
        } else {
            int to = SIZE / 2 + rnd.nextInt(SIZE / 2);
            l.truncate(ino, to);
            l.truncate(ino, SIZE);
            Arrays.fill(model, to, SIZE, (byte) 0);
        }
        return model.clone();
    }

    private static void assertSnapshot(BlockStore store, String c, String s, long ino, byte[] want) throws Exception {
        try (BlockLayer v = store.openSnapshot(c, s)) {
            assertArrayEquals(want, readAll(v, ino), "snapshot " + s);
        }
    }

    /** After gc, the versions family holds exactly one entry per blocks key. */
    private static void assertIndexMatchesBlocks(StoreDb db) {
        Set<String> blocks = new HashSet<>(), versions = new HashSet<>();
        try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
            for (it.seekToFirst(); it.isValid(); it.next()) blocks.add(Arrays.toString(Keys.versionOf(it.key())));
        }
        try (RocksIterator it = db.rocks().newIterator(db.versions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) versions.add(Arrays.toString(it.key()));
        }
        assertEquals(blocks, versions, "versions entries vs blocks keys");
    }
}
