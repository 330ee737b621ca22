package io.strata.store.block.union;

import io.strata.core.host.Host;
import io.strata.core.layerfs.HostRange;
import io.strata.core.testing.Trees;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import io.strata.store.block.BlockStore;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Where a block file's read finds its bytes in one host file (the origin, or one generation's page file), and where
 * it does not: every range given must read, through its descriptor, exactly what the file's read copies.
 */
class HostRangeTest {
    private static final int PAGE = 4096;
    @TempDir
    Path base;

    /** The range's bytes read through its descriptor; they must be the file's read of the same span. */
    private static byte[] viaRange(UnionFile f, long off, int len) throws Exception {
        try (HostRange r = f.hostRange(off, len)) {
            assertNotNull(r, "one host file holds [" + off + ", +" + len + ")");
            assertEquals(off, r.offset(), "origin and page files keep a byte at its own offset");
            byte[] got = new byte[r.length()];
            assertEquals(r.length(), Host.pread(r.fd(), got, got.length, r.offset()));
            byte[] want = new byte[len];
            int n = f.read(want, len, off);
            assertEquals(n, r.length(), "the length a read returns");
            assertArrayEquals(Arrays.copyOf(want, n), got);
            return got;
        }
    }

    private static void none(UnionFile f, long off, int len, String why) throws Exception {
        try (HostRange r = f.hostRange(off, len)) {
            assertNull(r, why);
        }
    }

    @Test
    void rangesOfOneOriginOrOnePageFileAndNoneOfMixedZeroOrInlineBytes() throws Exception {
        byte[] lower = new byte[64 * PAGE + 1000];
        new Random(11).nextBytes(lower);
        Trees.at(base.resolve("lower")).file("small", "tiny");
        Files.write(base.resolve("lower/big"), lower);
        byte[] page = new byte[PAGE], again = new byte[PAGE];
        new Random(12).nextBytes(page);
        new Random(13).nextBytes(again);
        try (BlockStore store = BlockStore.open(base.resolve("db"), MemoryBudget.SMALL)) {
            store.createContainer("c", base.resolve("lower").toString());
            try (BlockLayer layer = store.openLayer("c")) {
                UnionFs fs = BlockUnion.open(layer, base, List.of(base.resolve("lower").toString()), true);
                try (UnionFile f = fs.open("big", Host.O_RDWR)) {
                    f.write(page, PAGE, PAGE); // below 64 KiB: the unit's bytes are kept in RocksDB
                    f.write(page, PAGE, 20L * PAGE); // past it: in the head's page file
                    f.write(page, PAGE, 21L * PAGE);
                    assertArrayEquals(Arrays.copyOfRange(lower, 30 * PAGE, 34 * PAGE), viaRange(f, 30L * PAGE, 4 * PAGE),
                            "never written: the origin");
                    assertArrayEquals(Arrays.copyOfRange(lower, 64 * PAGE + 10, lower.length),
                            viaRange(f, 64L * PAGE + 10, PAGE), "clamped at end of file");
                    viaRange(f, 20L * PAGE + 100, 2 * PAGE - 200); // two written pages, across their boundary
                    none(f, 21L * PAGE, 2 * PAGE, "a written page and an origin page");
                    none(f, PAGE, PAGE, "bytes kept in RocksDB");
                    none(f, lower.length, PAGE, "at end of file");

                    store.createSnapshot("c", "s1");
                    f.write(again, PAGE, 21L * PAGE);
                    assertArrayEquals(again, viaRange(f, 21L * PAGE, PAGE), "the new head's page file");
                    assertArrayEquals(page, viaRange(f, 20L * PAGE, PAGE), "the snapshot's page file");
                    none(f, 20L * PAGE, 2 * PAGE, "two generations' page files");

                    f.truncate(40L * PAGE + 123);
                    f.truncate(50L * PAGE);
                    byte[] cut = Arrays.copyOfRange(lower, 40 * PAGE, 41 * PAGE);
                    Arrays.fill(cut, 123, PAGE, (byte) 0);
                    assertArrayEquals(cut, viaRange(f, 40L * PAGE, PAGE), "the cut page: completed in the head, zeros after the cut");
                    none(f, 41L * PAGE, PAGE, "zeros past the origin's limit");
                    none(f, 39L * PAGE + 2000, PAGE, "the origin and the cut page");
                    viaRange(f, 39L * PAGE, PAGE);
                }
                try (UnionFile f = fs.open("small", Host.O_RDWR)) {
                    f.write(new byte[] {'T'}, 1, 0);
                    none(f, 0, PAGE, "an inline file");
                }
            }
        }
    }

    /** A thread's reads reuse the inode they read last: a change in between (size, data) must be seen at once. */
    @Test
    void aReadRightAfterAChangeOfTheFileSeesIt() throws Exception {
        byte[] lower = new byte[40 * PAGE];
        new Random(14).nextBytes(lower);
        Files.createDirectories(base.resolve("lower"));
        Files.write(base.resolve("lower/big"), lower);
        try (BlockStore store = BlockStore.open(base.resolve("db"), MemoryBudget.SMALL)) {
            store.createContainer("c", base.resolve("lower").toString());
            try (BlockLayer layer = store.openLayer("c")) {
                UnionFs fs = BlockUnion.open(layer, base, List.of(base.resolve("lower").toString()), true);
                try (UnionFile f = fs.open("big", Host.O_RDWR)) {
                    byte[] b = new byte[PAGE];
                    f.write(b, 1, 0); // copied up: a block file
                    assertEquals(0, f.read(b, PAGE, 40L * PAGE), "at end of file");
                    byte[] more = new byte[PAGE];
                    new Random(15).nextBytes(more);
                    f.write(more, PAGE, 40L * PAGE);
                    assertEquals(PAGE, f.read(b, PAGE, 40L * PAGE), "the file grew");
                    assertArrayEquals(more, b);
                    f.truncate(30L * PAGE);
                    assertEquals(0, f.read(b, PAGE, 35L * PAGE), "and shrank");
                    none(f, 35L * PAGE, PAGE, "past its end now");
                }
            }
        }
    }
}
