package io.strata.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost against the number of snapshots below a file, for the block store through the store daemon's mount. One
 * container {@code c} gets a file written whole, then, as often as the largest N: some of its pages rewritten (each
 * still starting with its offset, so reads can check them), a snapshot. At each N the snapshot just taken is
 * cloned ({@code strata create --from c@sN --name dN}: a head whose parent is that snapshot, so its reads go through
 * the same N generations); the clones are then measured in rotated order, one mounted at a time.
 */
final class ScalingSnapshots implements Scaling.Mode {
    static final Series.Metric CREATE_METRIC = new Series.Metric("snapshot-create",
            "snapshot create: one `strata snapshot create`, N deep");
    private static final String FILE = "file.bin";

    private final BenchOptions opts;
    private final Path scratch, store, jar;
    private final long fileBytes;
    private final int pagesPerSnapshot, reads;
    private final Map<Integer, Union> clones = new LinkedHashMap<>();
    private Union.StrataStore chain;

    ScalingSnapshots(BenchOptions opts, Path scratch) {
        this.opts = opts;
        this.scratch = scratch;
        this.store = scratch.resolve("store");
        this.jar = scratch.resolve("strata.jar");
        // small: a cold sequential read through 1000 generations costs minutes per 64 MiB (RESULTS-scaling.md)
        this.fileBytes = (opts.quick ? 32L : 64L) << 20;
        this.pagesPerSnapshot = 64;
        this.reads = opts.quick ? 300 : 1000;
    }

    @Override
    public String xLabel() {
        return "snapshots";
    }

    @Override
    public List<String> columns() {
        return List.of("strata-store");
    }

    @Override
    public void build(Series series) throws Exception {
        chain = new Union.StrataStore("chain", scratch, jar, opts.cliJvm, store, "c", null);
        Files.createDirectories(chain.lower1);
        Files.createDirectories(chain.lower2);
        chain.freshUpper(); // starts the daemon
        chain.mount();
        Path file = chain.mnt.resolve(FILE);
        LowerTrees.offsetTagged(file, fileBytes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        int deepest = opts.depths.get(opts.depths.size() - 1);
        try (DaemonClient client = new DaemonClient(jar, store)) {
            for (int i = 1; i <= deepest; i++) {
                rewrite(file, i);
                String snap = "s" + i;
                if (opts.depths.contains(i)) { // one timed CLI call, as a user takes a snapshot
                    List<String> cmd = chain.cli("snapshot", "create", "c", snap);
                    Shell.Result r = Shell.run(cmd).orThrow(cmd);
                    series.add(CREATE_METRIC.id(), "strata-store", i, 0, r.seconds(), Double.NaN);
                    Union.StrataStore clone = new Union.StrataStore("strata-store", scratch.resolve("d" + i), jar,
                            opts.cliJvm, store, "d" + i, "c@" + snap);
                    clone.freshUpper();
                    clones.put(i, clone);
                } else { // the same request over the daemon's socket, without a JVM start per snapshot
                    client.call("snapshot-create", "c", snap);
                }
                if (i % 100 == 0) System.err.printf("bench: %d snapshots%n", i);
            }
        }
        for (String p : chain.unmount()) System.err.println("bench: " + p);
    }

    /** Rewrites pagesPerSnapshot random pages of the file; every page still starts with its offset. */
    private void rewrite(Path file, int generation) throws IOException {
        // no fsync: a FUSE write reaches the daemon before write(2) returns, and the snapshot's batch is synced
        FileOps.rewritePages(file, fileBytes, pagesPerSnapshot, 1000L + generation, generation);
    }

    @Override
    public List<Union> unions(int n) {
        Union u = clones.get(n);
        return u == null ? List.of() : List.of(u);
    }

    @Override
    public List<Union> all() {
        List<Union> all = new ArrayList<>(clones.values());
        if (chain != null) all.add(chain); // last: its close() stops the daemon once every clone is unmounted
        return all;
    }

    /** Nothing cached anywhere: unmount, stop the store daemon, drop the caches, mount (which starts the daemon). */
    private void cold(Union u) {
        for (String p : u.unmount()) System.err.println("bench: " + p);
        for (String p : chain.close()) System.err.println("bench: " + p);
        Shell.dropCaches();
        u.mount();
    }

    @Override
    public List<Workloads.Workload> workloads() {
        String sz = (fileBytes >> 20) + " MiB";
        return List.of(
                new Workloads.Workload("rand-read-cold", reads + " × 4 KiB random reads of a " + sz + " file, cold", "", 1,
                        (u, r) -> cold(u), (u, r) -> FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r)),
                // warm = the daemon's caches (RocksDB's blocks, the JIT) warm, not the kernel's page cache: a new mount
                // has none, and reads from the page cache would not reach the chain at all
                new Workloads.Workload("rand-read-warm", reads + " × 4 KiB random reads of a " + sz + " file, daemon warm", "", 1,
                        (u, r) -> {
                            FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r + 100);
                            Workloads.remount(u);
                        },
                        (u, r) -> FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r + 100)),
                new Workloads.Workload("seq-read-cold", "seq read of the " + sz + " file, cold", "", 1,
                        (u, r) -> cold(u), (u, r) -> FileOps.sequentialRead(u.mnt.resolve(FILE), fileBytes)));
    }

    @Override
    public String describe() {
        return "- chain: container `c` on an empty lower, " + FILE + " (" + (fileBytes >> 20) + " MiB) written through the "
                + "daemon's mount, then per snapshot " + pagesPerSnapshot + " random 4 KiB pages rewritten, then the "
                + "snapshot: at N in " + opts.depths + " with `strata snapshot create c sN` (timed, one call) and cloned "
                + "(`strata create --from c@sN --name dN`), in between with the same request over the daemon's socket "
                + "(the CLI's StoreClient, loaded from the jar: no JVM start per snapshot)\n"
                + "- method: cold = unmount, `strata daemon stop`, `sync; echo 3 > /proc/sys/vm/drop_caches`, mount "
                + "(a new daemon: RocksDB's block cache empty too, JIT cold); daemon warm = the same " + reads + " reads run "
                + "untimed just before, then unmount and mount (the kernel's page cache of the file is gone, the daemon's "
                + "caches are not); reads are 4 KiB pread(2) / 1 MiB read(2) from Java, each block checked against its offset; "
                + "server CPU = the daemon's; repetitions rotate the order of N\n";
    }
}
