package io.strata.store.block;

import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots of a container that is being written: a writer appends numbered 6 KiB records (each one write, across
 * page boundaries) while snapshots are taken; every snapshot must hold a whole number of records, each intact and
 * in order — a point in time, never half a write.
 */
class RunningSnapshotTest {
    private static final int RECORD = 6144, RECORDS = 4000;

    @Test
    void snapshotsOfARunningContainerArePointsInTime() throws Exception {
        Path dir = TempDirs.create("running");
        try (BlockStore s = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            BlockLayer l = s.openLayer("c");
            long ino = l.create(l.rootIno(), "log", 0100644, 0, 0, 0).ino();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    byte[] rec = new byte[RECORD];
                    for (int i = 0; i < RECORDS; i++) {
                        ByteBuffer b = ByteBuffer.wrap(rec);
                        while (b.hasRemaining()) b.putInt(i);
                        l.append(ino, rec, 0, rec.length);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            writer.start();
            int snaps = 0;
            while (writer.isAlive() && snaps < 20) { // each snapshot deepens the chain: reads walk it
                s.createSnapshot("c", "s" + snaps++);
                Thread.sleep(20);
            }
            writer.join();
            assertNull(failure.get());
            assertTrue(snaps >= 3, "snapshots taken while writing: " + snaps);
            long lastSize = -1;
            for (int k = 0; k < snaps; k++) {
                try (BlockLayer v = s.openSnapshot("c", "s" + k)) {
                    byte[] all = BlockMapModelTest.readAll(v, ino);
                    assertEquals(0, all.length % RECORD, "s" + k + " holds whole records");
                    assertTrue(all.length >= lastSize, "snapshots grow in order");
                    lastSize = all.length;
                    ByteBuffer b = ByteBuffer.wrap(all);
                    for (int i = 0; i < all.length / RECORD; i++)
                        for (int j = 0; j < RECORD / 4; j++) assertEquals(i, b.getInt(), "s" + k + " record " + i);
                }
            }
            assertEquals((long) RECORDS * RECORD, l.getattr(ino).size());
            l.close();
        } finally {
            TempDirs.delete(dir);
        }
    }
}
