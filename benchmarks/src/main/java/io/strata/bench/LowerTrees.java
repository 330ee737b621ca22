package io.strata.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lower layers every column gets an identical copy of, built once per run in a master directory:
 * <pre>
 * lower1/tree/dNNN/sNN/f00..f29      walked tree, top layer (f20..f29 shadow the bottom layer's)
 * lower2/tree/dNNN/sNN/f20..f49      walked tree, bottom layer: every directory exists in both layers (merged)
 * lower2/big.bin                     the big file (read, copied up); every 4 KiB block starts with its offset
 * lower2/big-cold.bin, big-fsync.bin, big-append.bin
 *                                    copies of it, one per later copy-up workload (a copy-up happens once per file;
 *                                    not hard links: a union that keeps links would show one copy-up through all names)
 * lower2/rmtree/rNNN/fNN             the tree removed with rm -rf
 * untar.tar                          small files to extract into the union
 * </pre>
 */
final class LowerTrees {
    static final int BLOCK = 4096;
    private static final int FILES_PER_LEAF = 50, TOP_ONLY = 20, BOTH = 10; // f00..f19 top, f20..f29 both, f30..f49 bottom
    private static final int LEAVES_PER_TOP = 10;
    /** Copies of the big file for the copy-up workloads after the first (each copies up its own file once). */
    static final List<String> BIG_COPIES = List.of("big-cold.bin", "big-fsync.bin", "big-append.bin");

    final Path master, tarball;
    final long bigFileBytes;
    /** Lines `find tree` prints on the merged view: the tree itself, its directories and files. */
    long walkEntries;
    long rmEntries;
    int untarFiles;

    LowerTrees(Path scratch, long bigFileBytes) {
        this.master = scratch.resolve("master");
        this.tarball = scratch.resolve("untar.tar");
        this.bigFileBytes = bigFileBytes;
    }

    void build(int walkFiles, int untarFiles, int rmFiles) throws IOException {
        Path l1 = master.resolve("lower1"), l2 = master.resolve("lower2");
        Files.createDirectories(l1);
        Files.createDirectories(l2);
        bigFile(l2.resolve("big.bin"));
        for (String name : BIG_COPIES) Files.copy(l2.resolve("big.bin"), l2.resolve(name));
        walkTree(l1.resolve("tree"), l2.resolve("tree"), walkFiles);
        rmTree(l2.resolve("rmtree"), rmFiles);
        tarball(scratch().resolve("untar-src"), untarFiles);
    }

    private Path scratch() {
        return master.getParent();
    }

    private void bigFile(Path p) throws IOException {
        offsetTagged(p, bigFileBytes);
    }

    /** Incompressible data; each 4 KiB block begins with its own offset, so a read can check it got the right block. */
    static void offsetTagged(Path p, long bigFileBytes) throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long off = 0; off < bigFileBytes; off += buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining()) buf.putLong(rnd.nextLong());
                for (int b = 0; b < buf.capacity(); b += BLOCK) buf.putLong(b, off + b);
                buf.flip();
                buf.limit((int) Math.min(buf.capacity(), bigFileBytes - off));
                while (buf.hasRemaining()) ch.write(buf);
            }
        }
    }

    private static byte[] content(SplittableRandom rnd, int max) {
        byte[] b = new byte[rnd.nextInt(max + 1)];
        rnd.nextBytes(b);
        return b;
    }

    private void walkTree(Path top, Path bottom, int files) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        int leaves = Math.max(1, files / FILES_PER_LEAF);
        int tops = Math.max(1, leaves / LEAVES_PER_TOP);
        int perTop = Math.max(1, leaves / tops);
        walkEntries = 1;
        for (int d = 0; d < tops; d++) {
            walkEntries++;
            for (int s = 0; s < perTop; s++) {
                walkEntries++;
                String rel = String.format("d%03d/s%02d", d, s);
                Path a = Files.createDirectories(top.resolve(rel)), b = Files.createDirectories(bottom.resolve(rel));
                for (int f = 0; f < FILES_PER_LEAF; f++) {
                    String name = String.format("f%02d", f);
                    if (f < TOP_ONLY + BOTH) Files.write(a.resolve(name), content(rnd, 2048));
                    if (f >= TOP_ONLY) Files.write(b.resolve(name), content(rnd, 2048));
                    walkEntries++;
                }
            }
        }
    }

    private void rmTree(Path root, int entries) throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        int dirs = Math.max(1, entries / 100);
        int perDir = Math.max(1, entries / dirs - 1);
        rmEntries = 1;
        for (int d = 0; d < dirs; d++) {
            Path dir = Files.createDirectories(root.resolve(String.format("r%03d", d)));
            rmEntries++;
            for (int f = 0; f < perDir; f++) {
                Files.write(dir.resolve(String.format("f%02d", f)), content(rnd, 1024));
                rmEntries++;
            }
        }
    }

    private void tarball(Path src, int files) throws IOException {
        SplittableRandom rnd = new SplittableRandom(13);
        int dirs = Math.max(1, files / 100);
        int perDir = Math.max(1, files / dirs);
        untarFiles = 0;
        for (int d = 0; d < dirs; d++) {
            Path dir = Files.createDirectories(src.resolve(String.format("u%03d", d)));
            for (int f = 0; f < perDir; f++) {
                Files.write(dir.resolve(String.format("f%03d", f)), content(rnd, 4096));
                untarFiles++;
            }
        }
        Shell.run(List.of("tar", "-cf", tarball.toString(), "-C", src.toString(), ".")).orThrow(List.of("tar", "-cf"));
        Shell.removeTree(src);
    }

    /** An identical copy of the lowers for one column (cp -a: same modes, owners, times). */
    void copyTo(Union u) {
        try {
            Files.createDirectories(u.root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String l : List.of("lower1", "lower2")) {
            List<String> cmd = List.of("cp", "-a", master.resolve(l).toString(), u.root.resolve(l).toString());
            Shell.run(cmd).orThrow(cmd);
        }
    }
}
