package io.strata.jmh.store;

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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * snapshot create and restore with 0, 8 MiB or 1 GiB written since the previous snapshot (the target: the
 * same time whatever changed). Each measured call gets its changes written in an untimed setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 4)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class SnapshotBench {
    @Param({"0", "8", "1024"})
    int changedMiB;

    private StoreFixture fx;
    private BlockLayer layer;
    private long ino;
    private int n;
    private final byte[] chunk = new byte[1 << 20];

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture(io.strata.store.block.BlockStore.DEFAULT_UNIT);
        fx.store.createContainer("c", "");
        layer = fx.store.openLayer("c");
        ino = layer.create(layer.rootIno(), "f", 0100644, 0, 0, 0).ino();
        new Random(1).nextBytes(chunk);
        fx.store.createSnapshot("c", "base");
    }

    @Setup(Level.Invocation)
    public void change() throws Exception {
        for (int i = 0; i < changedMiB; i++) {
            chunk[0] = (byte) i;
            layer.write(ino, (long) i << 20, chunk, 0, chunk.length);
        }
    }

    @Benchmark
    public Object snapshotCreate() throws Exception {
        return fx.store.createSnapshot("c", "s" + (n++));
    }

    @Benchmark
    public void restore() throws Exception {
        layer.close();
        fx.store.restore("c", "base");
        layer = fx.store.openLayer("c");
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        layer.close();
        fx.close();
    }
}
