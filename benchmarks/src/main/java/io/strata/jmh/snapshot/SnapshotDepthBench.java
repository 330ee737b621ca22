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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Read cost as snapshots pile up: a 64 MiB file and a small file are written, then {@code depth} snapshots are taken,
 * each after one 4 KiB page of the big file was rewritten (so each adds a generation to the head's chain). Measured
 * from the head: 4 KiB random reads of the big file (almost every page is in the oldest generation), getattr of the
 * small file and a lookup of its name (both records in the oldest generation). Before the versions index (format
 * version 2) a read asked every generation in turn; now one seek finds a unit's newest value (flat in depth), and
 * getattr and lookup are served from the chain's cache of visible values once read.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class SnapshotDepthBench {
    @Param({"1", "10", "100", "300", "1000"})
    int depth;

    private static final int SIZE = 64 << 20;
    private StoreFixture fx;
    private BlockLayer layer;
    private long big, small;
    private final byte[] page = new byte[4096];

    @Setup(Level.Trial)
    public void open() throws Exception {
        fx = new StoreFixture();
        layer = fx.newContainer("c");
        big = layer.create(layer.rootIno(), "big", 0100644, 0, 0, 0).ino();
        small = layer.create(layer.rootIno(), "small", 0100644, 0, 0, 0).ino();
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(9);
        for (int at = 0; at < SIZE; at += chunk.length) {
            r.nextBytes(chunk);
            layer.write(big, at, chunk, 0, chunk.length);
        }
        layer.write(small, 0, chunk, 0, 8192);
        for (int i = 0; i < depth; i++) {
            r.nextBytes(page);
            layer.write(big, (long) r.nextInt(SIZE / 4096) * 4096, page, 0, page.length);
            fx.store.createSnapshot("c", "s" + i);
        }
        fx.store.db().flush();
    }

    @Benchmark
    public int randomRead4k() throws Exception {
        long at = (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096;
        return layer.read(big, at, page, 0, page.length);
    }

    private final byte[] chunk = new byte[128 << 10];
    private long next;

    /** 128 KiB reads (a FUSE read's size) through the file in order, wrapping at its end. */
    @Benchmark
    public int sequentialRead128k() throws Exception {
        long at = next;
        next = (next + chunk.length) % SIZE;
        return layer.read(big, at, chunk, 0, chunk.length);
    }

    @Benchmark
    public Object getattrOldFile() throws Exception {
        return layer.getattr(small);
    }

    @Benchmark
    public Object lookupOldName() throws Exception {
        return layer.lookup(layer.rootIno(), "small");
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        layer.close();
        fx.close();
    }
}
