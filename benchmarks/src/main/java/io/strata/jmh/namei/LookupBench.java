package io.strata.jmh.namei;

import io.strata.core.namei.Lookup;
import io.strata.core.namei.Node;
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

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One uncached lookup step of fs-core (overlayfs' namei: {@link Lookup#child}) in a directory merged from
 * {@code layers} lowers, with {@code entries} entries spread over them ({@link LayeredDir}): a name only in the bottom
 * layer, a name in no layer (a negative lookup: both ask every layer), and a random entry (asks the layers down to
 * the one holding it; most of the kernel's answers for it are then not in its dentry cache). The union's own node
 * cache, which answers repeated lookups, is left out: this is the cost of a first lookup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class LookupBench {
    @Param({"1", "8", "64", "128"})
    int layers;

    @Param({"10", "1000", "100000"})
    int entries;

    private LayeredDir tree;
    private Lookup lookup;
    private Node dir;
    private String[] names;

    @Setup(Level.Trial)
    public void open() throws Exception {
        tree = new LayeredDir(layers, entries);
        lookup = new Lookup(tree.readOnly());
        dir = lookup.resolve(LayeredDir.DIR);
        names = new String[entries];
        for (int j = 0; j < entries; j++) names[j] = LayeredDir.name(j);
        if (lookup.child(dir, "bottom") == null || lookup.child(dir, "missing") != null) throw new IllegalStateException("tree");
    }

    @Benchmark
    public Node lookupBottom() throws Exception {
        return lookup.child(dir, "bottom");
    }

    @Benchmark
    public Node lookupMissing() throws Exception {
        return lookup.child(dir, "missing");
    }

    @Benchmark
    public Node lookupRandomEntry() throws Exception {
        return lookup.child(dir, names[ThreadLocalRandom.current().nextInt(entries)]);
    }

    @TearDown(Level.Trial)
    public void close() {
        tree.close();
    }
}
