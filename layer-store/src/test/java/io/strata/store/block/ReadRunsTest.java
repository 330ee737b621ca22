package io.strata.store.block;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.store.block.blocks.HostOrigins;
import io.strata.store.block.blocks.Origins;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A read across units of a lower-backed file, some rewritten (in page files of two generations), reads each run of
 * units from the origin with one pread, not one per unit, and returns the same bytes.
 */
class ReadRunsTest {
    private static final int UNIT = 4096;

    @Test
    void aRunOfOriginUnitsIsOnePread() throws Exception {
        Path dir = TempDirs.create("runs");
        Random rnd = new Random(3);
        AtomicInteger preads = new AtomicInteger();
        try (HostOrigins host = new HostOrigins()) {
            Origins counting = (origin, offset, buf, off, len) -> {
                preads.incrementAndGet();
                return host.pread(origin, offset, buf, off, len);
            };
            byte[] model = new byte[64 * UNIT];
            rnd.nextBytes(model);
            Path lower = dir.resolve("lower.bin");
            Files.write(lower, model);
            try (BlockStore store = BlockStore.open(dir.resolve("db"), UNIT, MemoryBudget.SMALL, counting)) {
                store.createContainer("c", "");
                try (BlockLayer l = store.openLayer("c")) {
                    Stat st = new Stat(0, 0, 0100644, 1, 0, 0, 0, model.length, 0, 4096, 0, 0, 0, 0, 0, 0);
                    long ino = l.copyUpMetadata(l.rootIno(), "f", st, lower.toString()).ino();
                    rewrite(l, ino, model, rnd, 20); // page files from 64 KiB on: units 16.. are paged
                    store.createSnapshot("c", "s0");
                    rewrite(l, ino, model, rnd, 21);
                    rewrite(l, ino, model, rnd, 22);
                    rewrite(l, ino, model, rnd, 26);
                    store.createSnapshot("c", "s1");
                    store.createSnapshot("c", "s2"); // a chain deep enough for the versions index

                    byte[] got = new byte[16 * UNIT];
                    preads.set(0);
                    assertEquals(got.length, l.read(ino, 16L * UNIT + 100, got, 0, got.length));
                    assertArrayEquals(Arrays.copyOfRange(model, 16 * UNIT + 100, 32 * UNIT + 100), got);
                    assertEquals(3, preads.get(), "origin runs 16-19, 23-25, 27-32");
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void rewrite(BlockLayer l, long ino, byte[] model, Random rnd, int unit) throws FsException {
        byte[] b = new byte[UNIT];
        rnd.nextBytes(b);
        l.write(ino, (long) unit * UNIT, b, 0, b.length);
        System.arraycopy(b, 0, model, unit * UNIT, b.length);
    }
}
