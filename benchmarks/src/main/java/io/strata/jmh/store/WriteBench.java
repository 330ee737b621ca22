package io.strata.jmh.store;

import io.strata.core.host.Stat;
import io.strata.jmh.fixtures.StoreFixture;
import io.strata.store.block.layer.BlockLayer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Writes: a 1-byte write into a 1 GiB lower file (metadata-only copy-up, then the write), and sequential 128 KiB
 * writes (FUSE's big_writes size) and 1 MiB writes into the block layer, next to the same writes into a host file
 * (the overlay upper's path) as the named peer. A new file every iteration; the offset wraps at 512 MiB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class WriteBench {
    @Param({"4096", "16384"})
    int unit;

    private static final long LOWER_SIZE = 1L << 30;
    private static final long SEQ_WRAP = 512L << 20;
    private StoreFixture fx;
    private BlockLayer layer;
    private Path lower;
    private Stat lowerStat;
    private long seqIno, seqAt, hostAt;
    private FileChannel host;
    private int copies;
    private final byte[] chunk = new byte[128 * 1024];
    private final byte[] mib = new byte[1 << 20];
    private final byte[] one = {7};

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture(unit);
        layer = fx.newContainer("c");
        lower = fx.dir.resolve("lower-1g");
        try (RandomAccessFile f = new RandomAccessFile(lower.toFile(), "rw")) {
            f.setLength(LOWER_SIZE); // sparse: what is measured is the layer's work, not the lower disk
        }
        lowerStat = new Stat(0, 0, 0100644, 1, 0, 0, 0, LOWER_SIZE, 0, 4096, 0, 0, 0, 0, 0, 0);
        new Random(2).nextBytes(chunk);
        new Random(3).nextBytes(mib);
        host = FileChannel.open(fx.dir.resolve("host-file"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    @Setup(Level.Iteration)
    public void newFile() throws Exception {
        seqIno = layer.create(layer.rootIno(), "seq" + System.nanoTime(), 0100644, 0, 0, 0).ino();
        seqAt = 0;
        hostAt = 0;
        host.truncate(0);
    }

    @Benchmark
    public void oneByteIntoLowerBackedFile() throws Exception {
        long ino = layer.copyUpMetadata(layer.rootIno(), "big" + (copies++), lowerStat, lower.toString()).ino();
        layer.write(ino, ThreadLocalRandom.current().nextLong(LOWER_SIZE - 1), one, 0, 1);
    }

    private void sequential(byte[] b) throws Exception {
        layer.write(seqIno, seqAt, b, 0, b.length);
        seqAt = (seqAt + b.length) % SEQ_WRAP;
    }

    private void sequentialHost(byte[] bytes) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) hostAt += host.write(b, hostAt);
        if (hostAt >= SEQ_WRAP) hostAt = 0;
    }

    @Benchmark
    public void sequentialWrite128k() throws Exception {
        sequential(chunk);
    }

    @Benchmark
    public void sequentialWrite128kHostFile() throws Exception {
        sequentialHost(chunk);
    }

    @Benchmark
    public void sequentialWrite1m() throws Exception {
        sequential(mib);
    }

    @Benchmark
    public void sequentialWrite1mHostFile() throws Exception {
        sequentialHost(mib);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        host.close();
        layer.close();
        fx.close();
        Files.deleteIfExists(lower);
    }
}
