package io.strata.jmh.store;

import io.strata.core.host.Stat;
import io.strata.jmh.fixtures.Scratch;
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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Writes smaller than a page into a 128 MiB file whose pages all lie below the head: in the previous generation
 * ({@code below=snapshot}: a snapshot is taken before every iteration) or in the lower file of a metadata-only
 * copy-up ({@code below=lower}: a new copy-up every iteration). A partial page must be completed from below before
 * it is stored; a whole aligned page need not be. Each write goes to a page not written yet in the iteration (a
 * stride through the file), so every write pays the completion. Peer: the same 100-byte write into a host file.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class PartialWriteBench {
    public static final String SNAPSHOT = "snapshot", LOWER = "lower";

    @Param({SNAPSHOT, LOWER})
    String below;

    private static final long SIZE = 128L << 20;
    private static final int PAGES = (int) (SIZE / 4096);
    private static final int STRIDE = 40_503; // odd and PAGES a power of two: k * STRIDE mod PAGES visits every page once
    private StoreFixture fx;
    private BlockLayer layer;
    private Path lower;
    private Stat lowerStat;
    private FileChannel host;
    private long ino;
    private int k, iteration;
    private final byte[] buf = new byte[4096];

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture();
        layer = fx.newContainer("c");
        if (below.equals(LOWER)) lower = Scratch.dataFile(fx.dir.resolve("lower"), SIZE, 5);
        lowerStat = new Stat(0, 0, 0100644, 1, 0, 0, 0, SIZE, SIZE / 512, 4096, 0, 0, 0, 0, 0, 0);
        if (below.equals(SNAPSHOT)) {
            ino = layer.create(layer.rootIno(), "f", 0100644, 0, 0, 0).ino();
            byte[] chunk = new byte[1 << 20];
            Random r = new Random(4);
            for (long at = 0; at < SIZE; at += chunk.length) {
                r.nextBytes(chunk);
                layer.write(ino, at, chunk, 0, chunk.length);
            }
        }
        host = FileChannel.open(Scratch.dataFile(fx.dir.resolve("host"), SIZE, 8), StandardOpenOption.WRITE);
        new Random(6).nextBytes(buf);
    }

    @Setup(Level.Iteration)
    public void pagesBelow() throws Exception {
        if (below.equals(SNAPSHOT)) fx.store.createSnapshot("c", "s" + iteration);
        else ino = layer.copyUpMetadata(layer.rootIno(), "f" + iteration, lowerStat, lower.toString()).ino();
        iteration++;
        k = 0;
    }

    private long nextPage() {
        return ((k++ * (long) STRIDE) & (PAGES - 1)) * 4096;
    }

    /** 100 bytes inside one page: the page is read from below, completed, stored. */
    @Benchmark
    public void partialPage100b() throws Exception {
        layer.write(ino, nextPage() + 1000, buf, 0, 100);
    }

    /** 2 KiB across a page boundary: two pages completed from below. */
    @Benchmark
    public void straddling2k() throws Exception {
        layer.write(ino, nextPage() + 3072, buf, 0, 2048);
    }

    /** A whole aligned page: nothing to read from below (the reference for the two above). */
    @Benchmark
    public void wholePage4k() throws Exception {
        layer.write(ino, nextPage(), buf, 0, 4096);
    }

    @Benchmark
    public int partialPage100bHostFile() throws Exception {
        return host.write(ByteBuffer.wrap(buf, 0, 100), nextPage() + 1000);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        host.close();
        layer.close();
        fx.close();
    }
}
