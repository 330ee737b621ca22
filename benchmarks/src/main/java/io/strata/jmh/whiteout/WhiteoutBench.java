package io.strata.jmh.whiteout;

import io.strata.core.errno.FsException;
import io.strata.jmh.fixtures.LayeredDir;
import io.strata.jmh.fixtures.Uppers;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Whiteout-heavy trees through fs-core's union: {@code rm -rf} of a lower directory of {@code entries} files (a
 * readdir, then an unlink per entry, each leaving a whiteout, then the rmdir that leaves one more), into a fresh upper
 * of either kind ({@link Uppers}); then, with every entry deleted, the listing of the directory (all names hidden) and
 * the lookup of a deleted name.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class WhiteoutBench {
    /** The lower directory and the uppers made over it, once per trial. */
    @State(Scope.Benchmark)
    public static class Lower {
        @Param({"1000", "10000"})
        int entries;

        @Param({Uppers.BLOCK, Uppers.OVERLAY})
        String upper;

        LayeredDir tree;
        Uppers uppers;

        @Setup(Level.Trial)
        public void open() throws Exception {
            tree = new LayeredDir(1, entries);
            uppers = new Uppers(upper, tree.lowers);
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            uppers.close();
            tree.close();
        }
    }

    /** A fresh upper for every rm -rf. */
    @State(Scope.Thread)
    public static class FreshUpper {
        Uppers.Fresh union;

        @Setup(Level.Invocation)
        public void open(Lower l) throws Exception {
            union = l.uppers.fresh();
        }

        @TearDown(Level.Invocation)
        public void close() {
            union.close();
        }
    }

    /** An upper in which every entry of the lower directory is deleted (the directory itself stays). */
    @State(Scope.Benchmark)
    public static class Deleted {
        Uppers.Fresh union;

        @Setup(Level.Trial)
        public void open(Lower l) throws Exception {
            union = l.uppers.fresh();
            for (String name : union.fs.readdir(LayeredDir.DIR)) union.fs.unlink(LayeredDir.DIR + "/" + name);
            if (!union.fs.readdir(LayeredDir.DIR).isEmpty()) throw new IllegalStateException("entries left");
        }

        @TearDown(Level.Trial)
        public void close() {
            union.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public void rmRf(FreshUpper f) throws Exception {
        for (String name : f.union.fs.readdir(LayeredDir.DIR)) f.union.fs.unlink(LayeredDir.DIR + "/" + name);
        f.union.fs.rmdir(LayeredDir.DIR);
    }

    @Benchmark
    public List<String> readdirAllDeleted(Deleted d) throws Exception {
        return d.union.fs.readdir(LayeredDir.DIR);
    }

    @Benchmark
    public int lookupDeleted(Deleted d, Lower l) {
        try {
            d.union.fs.getattr(LayeredDir.DIR + "/" + LayeredDir.name(ThreadLocalRandom.current().nextInt(l.entries)));
            throw new IllegalStateException("a deleted name resolves");
        } catch (FsException e) {
            return e.errno().ordinal();
        }
    }
}
