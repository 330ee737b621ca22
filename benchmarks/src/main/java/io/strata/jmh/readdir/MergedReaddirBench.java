package io.strata.jmh.readdir;

import io.strata.core.union.UnionFs;
import io.strata.jmh.fixtures.LayeredDir;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The merged listing of one directory (fs-core's readdir, in-process, no FUSE) spread over {@code layers} lowers with
 * {@code entries} entries ({@link LayeredDir}: every layer's part read, duplicates dropped, markers checked). The
 * directory's node comes from the union's cache; the listing is made afresh on every call, as for every opendir.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class MergedReaddirBench {
    @Param({"1", "8", "64", "128"})
    int layers;

    @Param({"10", "100", "1000", "10000", "100000"})
    int entries;

    private LayeredDir tree;
    private UnionFs fs;

    @Setup(Level.Trial)
    public void open() throws Exception {
        tree = new LayeredDir(layers, entries);
        fs = new UnionFs(tree.readOnly());
        int n = fs.readdir(LayeredDir.DIR).size();
        if (n != tree.visibleEntries) throw new IllegalStateException("listing has " + n + " names, expected " + tree.visibleEntries);
    }

    @Benchmark
    public List<String> mergedReaddir() throws Exception {
        return fs.readdir(LayeredDir.DIR);
    }

    @TearDown(Level.Trial)
    public void close() {
        tree.close();
    }
}
