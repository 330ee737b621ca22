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

    /**
     * Rewrites pages random 4 KiB pages of an offset-tagged file in place (pwrite(2), no fsync): each rewritten page
     * still begins with its offset (so {@link #randomRead} can check it), then generation, then random bytes.
     */
    static void rewritePages(Path file, long fileBytes, int pages, long seed, long generation) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer page = ByteBuffer.allocateDirect(LowerTrees.BLOCK);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int k = 0; k < pages; k++) {
                long off = rnd.nextLong(fileBytes / LowerTrees.BLOCK) * LowerTrees.BLOCK;
                page.clear();
                while (page.hasRemaining()) page.putLong(rnd.nextLong());
                page.putLong(0, off).putLong(8, generation).flip();
                while (page.hasRemaining()) ch.write(page, off + page.position());
            }
        }
    }

    /**
     * Overwrites the first bytes of an existing file in place with 1 MiB write(2) calls from offset 0, no fsync; every
     * 4 KiB block begins with its offset, then generation ({@link #generationAt0} reads it back). Returns the seconds.
     */
    static double overwrite(Path file, long bytes, long generation) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        SplittableRandom rnd = new SplittableRandom(generation);
        while (buf.hasRemaining()) buf.putLong(rnd.nextLong());
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long off = 0; off < bytes; off += CHUNK) {
                buf.clear();
                for (int b = 0; b < CHUNK; b += LowerTrees.BLOCK) buf.putLong(b, off + b).putLong(b + 8, generation);
                buf.limit((int) Math.min(CHUNK, bytes - off));
                while (buf.hasRemaining()) ch.write(buf, off + buf.position());
            }
        }
        return since(t0);
    }

    /** The generation {@link #overwrite} wrote into the block at offset 0 (which must begin with offset 0). */
    static long generationAt0(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) if (ch.read(b, b.position()) < 0) throw new IOException(file + ": shorter than 16 bytes");
        }
        if (b.getLong(0) != 0) throw new IOException(file + ": block 0 does not begin with its offset: " + b.getLong(0));
        return b.getLong(8);
    }

    /** open(O_WRONLY), pwrite one byte at offset 0 (with fsync: fsync(2)), close: the whole copy-up, end to end. */
    static double copyUpOneByte(Path file, long expectedBytes, boolean fsync) throws IOException {
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{1}), 0);
            if (fsync) ch.force(true);
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

    /** open(O_WRONLY|O_APPEND), one 4 KiB write(2), close: copy-up of a lower file and an append to it. */
    static double appendBlock(Path file, long lowerBytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(LowerTrees.BLOCK);
        buf.putLong(0, lowerBytes); // like every block of the lower file: it starts with its own offset
        buf.putLong(8, 0x5354524154410a0aL);
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (buf.hasRemaining()) ch.write(buf);
        }
        double s = since(t0);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) { // the new block, and one before it
            ByteBuffer last = ByteBuffer.allocate(16), before = ByteBuffer.allocate(8);
            ch.read(last, lowerBytes);
            ch.read(before, lowerBytes - LowerTrees.BLOCK);
            if (ch.size() != lowerBytes + LowerTrees.BLOCK || last.getLong(0) != lowerBytes || last.getLong(8) != 0x5354524154410a0aL
                    || before.getLong(0) != lowerBytes - LowerTrees.BLOCK)
                throw new IOException(file + ": wrong content after the append");
        }
        return s;
    }

    /** lstat(2) of every name listed in namesFile (one a line, relative to dir), timed inside perl: no JVM in the loop. */
    static double lstatNames(Path dir, Path namesFile, long expectFound) throws IOException {
        String script = "use Time::HiRes qw(time); my ($d, $l) = @ARGV; open(my $f, '<', $l) or die \"$l: $!\"; "
                + "my @n = <$f>; chomp @n; chdir $d or die \"$d: $!\"; my $c = 0; my $t = time; "
                + "for (@n) { $c++ if lstat $_ } printf \"%d %.9f\\n\", $c, time - $t;";
        return timedByPerl(List.of("perl", "-e", script, dir.toString(), namesFile.toString()), expectFound, "names found");
    }

    /** opendir, readdir(3) to the end (no stat), closedir: a merged listing; counts the entries but . and .. */
    static double listDir(Path dir, long expectEntries) throws IOException {
        String script = "use Time::HiRes qw(time); my $t = time; opendir(my $d, $ARGV[0]) or die \"$ARGV[0]: $!\"; "
                + "my $c = 0; $c++ while defined(readdir $d); closedir $d; printf \"%d %.9f\\n\", $c - 2, time - $t;";
        return timedByPerl(List.of("perl", "-e", script, dir.toString()), expectEntries, "entries listed");
    }

    /** Runs a perl timing loop that prints "COUNT SECONDS"; checks the count. */
    private static double timedByPerl(List<String> cmd, long expectCount, String what) throws IOException {
        Shell.Result r = Shell.run(cmd);
        String[] out = r.out().trim().split(" ");
        if (r.exit() != 0 || out.length != 2) throw new IOException("perl exited " + r.exit() + ": " + (r.err() + r.out()).trim());
        if (Long.parseLong(out[0]) != expectCount) throw new IOException(out[0] + " " + what + ", expected " + expectCount);
        return Double.parseDouble(out[1]);
    }
}
