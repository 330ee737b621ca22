package io.strata.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The timed operations. Each returns the seconds it took and checks that it did what it says (right bytes, right
 * number of entries), so a fast wrong answer cannot pass for a fast filesystem.
 */
final class FileOps {
    private static final int CHUNK = 1 << 20;

    private FileOps() {
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Reads the whole file with 1 MiB read(2) calls. */
    static double sequentialRead(Path file, long expectedBytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long total = 0;
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int n; (n = ch.read(buf)) >= 0; ) {
                total += n;
                if (!buf.hasRemaining()) { // a full chunk: its first block names its own offset
                    long chunkStart = total - buf.capacity();
                    if (buf.getLong(0) != chunkStart)
                        throw new IOException(file + ": wrong data at offset " + chunkStart + ": " + buf.getLong(0));
                    buf.clear();
                }
            }
        }
        double s = since(t0);
        if (total != expectedBytes) throw new IOException(file + ": read " + total + " bytes, expected " + expectedBytes);
        return s;
    }

    /** reads 4 KiB pread(2)s at random block-aligned offsets, split over threads; same offsets for every column. */
    static double randomRead(Path file, long fileBytes, int reads, int threads, long seed) throws Exception {
        long blocks = fileBytes / LowerTrees.BLOCK;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(seed * 31 + t);
                int n = reads / threads + (t < reads % threads ? 1 : 0);
                tasks.add(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(LowerTrees.BLOCK);
                    for (int i = 0; i < n; i++) {
                        long off = rnd.nextLong(blocks) * LowerTrees.BLOCK;
                        buf.clear();
                        while (buf.hasRemaining()) {
                            if (ch.read(buf, off + buf.position()) < 0) throw new IOException(file + ": EOF at " + off);
                        }
                        if (buf.getLong(0) != off) throw new IOException(file + ": wrong block at " + off + ": " + buf.getLong(0));
                    }
                    return null;
                });
            }
            long t0 = System.nanoTime();
            for (Future<Void> f : pool.invokeAll(tasks)) f.get();
            return since(t0);
        } finally {
            pool.shutdownNow();
        }
    }

    /** `find DIR -printf '%y %s\n'`: readdir of every directory and an lstat of every entry. */
    static double find(Path dir, long expectedEntries) throws IOException {
        List<String> cmd = List.of("find", dir.toString(), "-printf", "%y %s\\n");
        Shell.Result r = Shell.run(cmd, java.util.Map.of(), true);
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err().trim());
        if (r.stdoutLines() != expectedEntries)
            throw new IOException("find saw " + r.stdoutLines() + " entries, expected " + expectedEntries);
        return r.seconds();
    }

    /** `tar -xf TAR -C DIR` (as root: owners and modes restored, like an image layer). */
    static double untar(Path tarball, Path dir, int expectedFiles) throws IOException {
        List<String> cmd = List.of("tar", "-xf", tarball.toString(), "-C", dir.toString());
        Shell.Result r = Shell.run(cmd);
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err().trim());
        try (var s = Files.list(dir)) { // a cheap check: the directories are there
            long dirs = s.count();
            if (dirs != Math.max(1, expectedFiles / 100)) throw new IOException("untar made " + dirs + " directories");
        }
        return r.seconds();
    }

    /** `rm -rf DIR` */
    static double removeTree(Path dir) throws IOException {
        List<String> cmd = List.of("rm", "-rf", dir.toString());
        Shell.Result r = Shell.run(cmd);
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err().trim());
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) throw new IOException(dir + " still exists after rm -rf");
        return r.seconds();
    }

    /** Creates a new file and writes it with 1 MiB write(2) calls; with fsync, fsync(2) before close. */
    static double write(Path file, long bytes, boolean fsync) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        SplittableRandom rnd = new SplittableRandom(99);
        while (buf.hasRemaining()) buf.putLong(rnd.nextLong());
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long off = 0; off < bytes; off += CHUNK) {
                buf.clear();
                buf.limit((int) Math.min(CHUNK, bytes - off));
                while (buf.hasRemaining()) ch.write(buf);
            }
            if (fsync) ch.force(true);
        }
        double s = since(t0);
        if (Files.size(file) != bytes) throw new IOException(file + ": size " + Files.size(file) + ", expected " + bytes);
        return s;
    }

    /** open(O_WRONLY), pwrite one byte at offset 0, close: the whole copy-up, end to end. */
    static double copyUpOneByte(Path file, long expectedBytes) throws IOException {
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{1}), 0);
        }
        double s = since(t0);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) { // the byte, and the data after it
            ByteBuffer first = ByteBuffer.allocate(1), block = ByteBuffer.allocate(8);
            ch.read(first, 0);
            ch.read(block, LowerTrees.BLOCK);
            if (ch.size() != expectedBytes || first.get(0) != 1 || (expectedBytes > 2 * LowerTrees.BLOCK && block.getLong(0) != LowerTrees.BLOCK))
                throw new IOException(file + ": wrong content after copy-up");
        }
        return s;
    }
}
