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

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * truncate(2) of a block-layer file of sizeMiB: shrinking to half (at an unaligned size: a partial page stays),
 * shrinking to zero, growing to twice the size. The file is new for every call, its data either written into the
 * layer ({@code data=written}: every unit is a key to drop) or a metadata-only copy-up of a lower file
 * ({@code data=lower}: nothing stored yet, the origin limit moves).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class TruncateBench {
    @Param({"1", "64", "1024"})
    int sizeMiB;

    @Param({"written", "lower"})
    String data;

    private StoreFixture fx;
    private BlockLayer layer;
    private Path lower;
    private Stat lowerStat;
    private long ino, size;
    private int n;
    private final byte[] chunk = new byte[1 << 20];

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture();
        layer = fx.newContainer("c");
        size = (long) sizeMiB << 20;
        lower = Scratch.sparseFile(fx.dir.resolve("lower"), size);
        lowerStat = new Stat(0, 0, 0100644, 1, 0, 0, 0, size, 0, 4096, 0, 0, 0, 0, 0, 0);
        new Random(7).nextBytes(chunk);
    }

    @Setup(Level.Invocation)
    public void newFile() throws Exception {
        String name = "f" + (n++);
        if (data.equals("lower")) {
            ino = layer.copyUpMetadata(layer.rootIno(), name, lowerStat, lower.toString()).ino();
            return;
        }
        ino = layer.create(layer.rootIno(), name, 0100644, 0, 0, 0).ino();
        for (long at = 0; at < size; at += chunk.length) layer.write(ino, at, chunk, 0, chunk.length);
    }

    @Benchmark
    public void shrinkToHalf() throws Exception {
        layer.truncate(ino, size / 2 + 1000);
    }

    @Benchmark
    public void shrinkToZero() throws Exception {
        layer.truncate(ino, 0);
    }

    @Benchmark
    public void growToDouble() throws Exception {
        layer.truncate(ino, 2 * size);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        layer.close();
        fx.close();
    }
}
