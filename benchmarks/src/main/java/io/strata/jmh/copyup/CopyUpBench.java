package io.strata.jmh.copyup;

import io.strata.core.host.Host;
import io.strata.core.union.UnionFile;
import io.strata.jmh.fixtures.Scratch;
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

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Copy-up on the first open for writing of a lower file of {@code size} bytes (random data, in the page cache),
 * through fs-core's union: into a block layer ({@code upper=block}: by reference, metadata only, whatever the size)
 * or into an overlay-format upper directory ({@code upper=overlay}: the data is copied, in the kernel with
 * copy_file_range, like kernel overlayfs does). Every call gets a new, empty upper. Single calls, so 5 warm-up calls
 * before the 10 measured ones let the JIT compile the path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class CopyUpBench {
    /** 4 KiB, 1 MiB, 64 MiB, 1 GiB */
    @Param({"4096", "1048576", "67108864", "1073741824"})
    long size;

    @Param({Uppers.BLOCK, Uppers.OVERLAY})
    String upper;

    private Scratch lower;
    private Uppers uppers;
    private Uppers.Fresh union;

    @Setup(Level.Trial)
    public void open() throws Exception {
        lower = new Scratch();
        Scratch.dataFile(lower.dir.resolve("f"), size, 11);
        uppers = new Uppers(upper, List.of(lower.dir));
    }

    @Setup(Level.Invocation)
    public void freshUpper() throws Exception {
        union = uppers.fresh();
    }

    @Benchmark
    public long copyUp() throws Exception {
        try (UnionFile f = union.fs.open("f", Host.O_WRONLY)) {
            return f.ino();
        }
    }

    @TearDown(Level.Invocation)
    public void dropUpper() throws Exception {
        if (union.fs.getattr("f").size() != size) throw new IllegalStateException("copy-up changed the size");
        union.close();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        uppers.close();
        lower.close();
        if (Files.exists(lower.dir)) throw new IllegalStateException("scratch left behind: " + lower.dir);
    }
}
