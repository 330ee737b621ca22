package io.strata.store.block;

import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.strata.store.block.BlockMapModelTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Reads of a chain deep enough to go through the versions index, whose iterator a thread keeps across reads: after a
 * write (by the same thread or another) and after a snapshot, the next read through the same layer on the same
 * thread sees the write. A kept iterator that served its old view would read the unit's older value (or zeros for a
 * unit that had none).
 */
class KeptIteratorTest {
    private static final int UNIT = 4096, UNITS = 16;

    @Test
    void readsAfterWritesAndSnapshotsSeeThemOnTheSameThread() throws Exception {
        Path dir = TempDirs.create("kept");
        Random rnd = new Random(5);
        try (BlockStore store = BlockStore.open(dir.resolve("db"), UNIT, MemoryBudget.SMALL, null);
             Deep d = new Deep(store, rnd)) {
            for (int round = 0; round < 2 * UNITS; round++) {
                d.write(round % UNITS, round); // rounds ≥ UNITS: a unit past the file's first end, none below
                assertArrayEquals(d.model, readAll(d.l, d.ino), "after write " + round);
                d.write((round + 7) % UNITS, round);
                assertArrayEquals(d.model, readAll(d.l, d.ino), "after a second write " + round);
                store.createSnapshot("c", "r" + round);
                d.write((round + 3) % UNITS, round);
                assertArrayEquals(d.model, readAll(d.l, d.ino), "after a snapshot and a write " + round);
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aReaderThreadSeesAnotherThreadsWrites() throws Exception {
        Path dir = TempDirs.create("kept");
        Random rnd = new Random(6);
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try (BlockStore store = BlockStore.open(dir.resolve("db"), UNIT, MemoryBudget.SMALL, null);
             Deep d = new Deep(store, rnd)) {
            for (int round = 0; round < UNITS; round++) {
                d.write(round, round);
                byte[] want = d.model.clone();
                assertArrayEquals(want, reader.submit(() -> readAll(d.l, d.ino)).get(), "reader, write " + round);
                if (round % 4 == 3) store.createSnapshot("c", "r" + round);
            }
        } finally {
            reader.shutdownNow();
            TempDirs.delete(dir);
        }
    }

    /** A container whose file's units are in the oldest of 4 generations: reads look more than 2 deep. */
    private static final class Deep implements AutoCloseable {
        final BlockLayer l;
        final long ino;
        final Random rnd;
        byte[] model = new byte[2 * UNITS * UNIT];

        Deep(BlockStore store, Random rnd) throws Exception {
            this.rnd = rnd;
            store.createContainer("c", "");
            l = store.openLayer("c");
            ino = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
            byte[] first = new byte[UNITS * UNIT];
            rnd.nextBytes(first);
            l.write(ino, 0, first, 0, first.length);
            l.truncate(ino, model.length);
            System.arraycopy(first, 0, model, 0, first.length);
            for (int i = 0; i < 3; i++) store.createSnapshot("c", "s" + i);
            assertArrayEquals(model, readAll(l, ino), "before any change");
        }

        /** Rewrites 100 bytes in unit u (round ≥ UNITS: in unit u of the second half, never written before). */
        void write(int u, int round) throws Exception {
            byte[] b = new byte[100];
            rnd.nextBytes(b);
            int off = (round >= UNITS ? UNITS * UNIT : 0) + u * UNIT + rnd.nextInt(UNIT - b.length);
            l.write(ino, off, b, 0, b.length);
            System.arraycopy(b, 0, model, off, b.length);
        }

        @Override
        public void close() throws Exception {
            l.close();
        }
    }
}
