package io.strata.jmh.store;

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

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * 4 KiB random reads and 1 MiB sequential reads of a 256 MiB file written, snapshotted, then a quarter rewritten (so
 * reads go through two generations), next to the same reads of a host file with the same bytes (page cache warm: the
 * overlay upper's case); and 4 KiB random overwrites of the same file, both ways.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class ReadBench {
    @Param({"4096", "16384"})
    int unit;

    private static final int SIZE = 256 << 20;
    private StoreFixture fx;
    private BlockLayer layer;
    private long ino;
    private FileChannel host;
    private final byte[] buf = new byte[4096];
    private final ByteBuffer hostBuf = ByteBuffer.allocate(4096);
    private final byte[] mib = new byte[1 << 20];
    private final ByteBuffer hostMib = ByteBuffer.allocateDirect(1 << 20);
    private long seqAt, hostSeqAt;

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture(unit);
        layer = fx.newContainer("c");
        ino = layer.create(layer.rootIno(), "f", 0100644, 0, 0, 0).ino();
        host = FileChannel.open(fx.dir.resolve("host-file"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(3);
        for (int i = 0; i < SIZE >> 20; i++) {
            r.nextBytes(chunk);
            layer.write(ino, (long) i << 20, chunk, 0, chunk.length);
            host.write(ByteBuffer.wrap(chunk), (long) i << 20);
        }
        fx.store.createSnapshot("c", "base");
        byte[] page = new byte[4096];
        for (int i = 0; i < SIZE / 4096 / 4; i++) {
            r.nextBytes(page);
            long at = (long) r.nextInt(SIZE / 4096) * 4096;
            layer.write(ino, at, page, 0, page.length);
            host.write(ByteBuffer.wrap(page), at);
        }
        fx.store.db().flush();
    }

    @Benchmark
    public int randomRead4k() throws Exception {
        long at = (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096;
        return layer.read(ino, at, buf, 0, buf.length);
    }

    @Benchmark
    public int randomRead4kHostFile() throws Exception {
        long at = (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096;
        hostBuf.clear();
        return host.read(hostBuf, at);
    }

    /** The next 1 MiB of the file (wrapping at its end): 256 pages, each looked up through the chain. */
    @Benchmark
    public int sequentialRead1m() throws Exception {
        int n = layer.read(ino, seqAt, mib, 0, mib.length);
        seqAt = (seqAt + mib.length) % SIZE;
        return n;
    }

    @Benchmark
    public int sequentialRead1mHostFile() throws Exception {
        hostMib.clear();
        int n = host.read(hostMib, hostSeqAt);
        hostSeqAt = (hostSeqAt + hostMib.capacity()) % SIZE;
        return n;
    }

    /** A 4 KiB overwrite at a random page (the unit's cost: its other present pages are rewritten with it). */
    @Benchmark
    public void randomWrite4k() throws Exception {
        long at = (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096;
        layer.write(ino, at, buf, 0, buf.length);
    }

    @Benchmark
    public int randomWrite4kHostFile() throws Exception {
        long at = (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096;
        hostBuf.clear();
        return host.write(hostBuf, at);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        host.close();
        layer.close();
        fx.close();
    }
}
