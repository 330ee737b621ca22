package io.strata.launcher.store;

import io.strata.fuse.MountTable;
import io.strata.launcher.Cli;
import io.strata.store.daemon.StoreClient;
import io.strata.store.daemon.StoreRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads of a block-store container's file through its mount, where the daemon answers a read whose bytes all lie in
 * one host file (the lower origin, or one generation's page file) from that file's descriptor: after rewrites in two
 * generations, a truncate and an extension, a snapshot restore and in a file made in the container, every page read
 * cold (after a remount: nothing in the kernel's cache of the mount), in random order and across page, origin and
 * generation boundaries, must be the bytes written.
 */
class SplicedReadsMountTest {
    private static final int PAGE = 4096;
    @TempDir
    Path base;
    private Path store, rw;
    private final Random rnd = new Random(21);

    private Cli.Result strata(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (!a.get(0).equals("umount")) a.add("--store=" + store);
        return Cli.run(a.toArray(String[]::new));
    }

    @AfterEach
    void cleanUp() {
        if (rw != null && MountTable.isMounted(rw)) MountTable.unmount(rw, true);
        if (store != null) strata("daemon", "stop");
        if (rw != null) assertFalse(MountTable.isMounted(rw), "left mounted: " + rw);
    }

    @Test
    void coldReadsAfterRewritesTruncateRestoreAndInANewFileAreTheBytesWritten() throws Exception {
        store = base.resolve("store");
        byte[] big = new byte[3 * 1024 * 1024 + 777];
        rnd.nextBytes(big);
        Files.createDirectories(base.resolve("lower"));
        Files.write(base.resolve("lower/big"), big);
        rw = Files.createDirectories(base.resolve("rw"));
        assertEquals(0, strata("create", "--name", "c", "--lowerdir", base.resolve("lower").toString()).code());
        mount();

        rewrite(big, 200);
        verify("big", big);

        assertEquals(0, strata("snapshot", "create", "c", "s1").code());
        byte[] atS1 = big.clone();
        rewrite(big, 100); // now in the head's page file, beside s1's and the origin
        int cut = 2 * 1024 * 1024 + 555, longer = 5 * 1024 * 1024 / 2;
        try (RandomAccessFile f = new RandomAccessFile(rw.resolve("big").toFile(), "rw")) {
            f.setLength(cut);
            f.setLength(longer);
            f.getFD().sync();
        }
        big = Arrays.copyOf(Arrays.copyOf(big, cut), longer);
        verify("big", big);
        rewrite(big, 50); // some past the cut: between zeros
        verify("big", big);

        byte[] made = new byte[1024 * 1024 + 100];
        rnd.nextBytes(made);
        Files.write(rw.resolve("made"), made);
        verify("made", made);

        assertEquals(0, strata("umount", rw.toString()).code());
        var restore = new StoreClient(StoreRoot.resolve(store)).call(List.of("snapshot-restore", "c", "s1"));
        assertTrue(restore.ok(), restore.errno() + " " + restore.message());
        mount();
        verify("big", atS1);
        assertFalse(Files.exists(rw.resolve("made")), "back at the snapshot");
        assertEquals(0, strata("umount", rw.toString()).code());
    }

    private void mount() {
        Cli.Result m = strata("mount", "c", rw.toString());
        assertEquals(0, m.code(), m.err());
    }

    /** Whole pages and spans across page boundaries rewritten at random, in file and model; then fsync. */
    private void rewrite(byte[] model, int writes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(rw.resolve("big").toFile(), "rw")) {
            for (int k = 0; k < writes; k++) {
                int len = k % 4 == 0 ? 5000 : PAGE;
                int at = k % 4 == 0 ? rnd.nextInt(model.length - len) : rnd.nextInt(model.length / PAGE) * PAGE;
                byte[] b = new byte[len];
                rnd.nextBytes(b);
                f.seek(at);
                f.write(b);
                System.arraycopy(b, 0, model, at, len);
            }
            f.getFD().sync();
        }
    }

    /**
     * Remounted (the kernel's cache of the mount is gone), every page read once in random order, then spans across
     * page boundaries; remounted again, the whole file in one pass.
     */
    private void verify(String name, byte[] want) throws Exception {
        Path p = rw.resolve(name);
        remount();
        List<Integer> pages = new ArrayList<>();
        for (int i = 0; i * PAGE < want.length; i++) pages.add(i);
        Collections.shuffle(pages, rnd);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            assertEquals(want.length, f.length());
            for (int i : pages) expect(f, want, (long) i * PAGE, PAGE);
            for (int k = 0; k < 50; k++) expect(f, want, rnd.nextInt(want.length), 3 * PAGE);
        }
        remount();
        assertArrayEquals(want, Files.readAllBytes(p), name + " read whole");
    }

    private static void expect(RandomAccessFile f, byte[] want, long at, int len) throws Exception {
        int n = (int) Math.min(len, want.length - at);
        byte[] got = new byte[n];
        f.seek(at);
        f.readFully(got);
        if (!Arrays.equals(want, (int) at, (int) at + n, got, 0, n)) {
            int i = Arrays.mismatch(want, (int) at, (int) at + n, got, 0, n);
            throw new AssertionError("bytes differ at " + (at + i) + " in a read of [" + at + ", +" + n + ")");
        }
    }

    private void remount() {
        assertEquals(0, strata("umount", rw.toString()).code());
        mount();
    }
}
