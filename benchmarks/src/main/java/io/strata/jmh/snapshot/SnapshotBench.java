package io.strata.jmh.snapshot;

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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Snapshot create, restore and clone with {@code files} files holding {@code changedMiB} of data written since the
 * previous snapshot (the target: the same time whatever changed). Each measured call gets its changes written
 * in an untimed setup: every file rewritten from offset 0, the data split evenly (8 MiB over 10k files is 838 bytes a
 * file, stored in the inode). restore includes closing and reopening the container's layer, as a user's restore does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class SnapshotBench {
    /** The container "c" with its files and a snapshot "base" of them. */
    public abstract static class Store {
        @Param({"1", "100", "10000"})
        int files;

        @Param({"8", "1024"})
        int changedMiB;

        StoreFixture fx;
        BlockLayer layer;
        private long[] inos;
        private final byte[] chunk = new byte[1 << 20];

        @Setup(Level.Trial)
        public void open() throws Exception {
            fx = new StoreFixture();
            layer = fx.newContainer("c");
            inos = new long[files];
            long dir = layer.rootIno();
            for (int i = 0; i < files; i++) {
                if (i % 100 == 0) dir = layer.mkdir(layer.rootIno(), "d" + i / 100, 040755, 0, 0).ino();
                inos[i] = layer.create(dir, "f" + i, 0100644, 0, 0, 0).ino();
            }
            new Random(1).nextBytes(chunk);
            fx.store.createSnapshot("c", "base");
        }

        void change() throws Exception {
            long perFile = ((long) changedMiB << 20) / files;
            chunk[0]++;
            for (long ino : inos) {
                for (long at = 0; at < perFile; at += chunk.length)
                    layer.write(ino, at, chunk, 0, (int) Math.min(chunk.length, perFile - at));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            layer.close();
            fx.close();
        }
    }

    /** The changes written before every call. */
    @State(Scope.Thread)
    public static class Changed extends Store {
        @Setup(Level.Invocation)
        public void prepare() throws Exception {
            change();
        }
    }

    /** The changes written, then a snapshot of them taken, before every clone. */
    @State(Scope.Thread)
    public static class Snapshotted extends Store {
        String snap;
        private int n;

        @Setup(Level.Invocation)
        public void prepare() throws Exception {
            change();
            snap = "src" + (n++);
            fx.store.createSnapshot("c", snap);
        }
    }

    private int n;

    @Benchmark
    public Object snapshotCreate(Changed c) throws Exception {
        return c.fx.store.createSnapshot("c", "s" + (n++));
    }

    @Benchmark
    public void restore(Changed c) throws Exception {
        c.layer.close();
        c.fx.store.restore("c", "base");
        c.layer = c.fx.store.openLayer("c");
    }

    @Benchmark
    public Object clone(Snapshotted s) throws Exception {
        return s.fx.store.clone("c", s.snap, "k" + (n++));
    }
}
