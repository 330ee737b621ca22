package io.strata.bench;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * 4 KiB random reads of a partly rewritten file (issue #4: ≤ 1.5× the same reads on the overlay-format upper). One
 * offset-tagged lower file, shared read-only by two columns: {@code strata-store}, a block-store container on it
 * (snapshot, a quarter of its pages rewritten at random, snapshot: the file's blocks come from the lower, the head
 * and a snapshot), and {@code strata-upper}, `strata mount -o lowerdir=,upperdir=,workdir=` whose first write copies
 * the file up whole, then the same pages rewritten. Both files must end up byte for byte the same.
 */
final class PartlyRewritten {
    private static final String FILE = "big.bin";

    final Union.Strata upper;
    final Union.StrataStore store;
    private final Path lower;
    private final long fileBytes;
    private final int pages, reads;
    private final DaemonClient client;

    PartlyRewritten(BenchOptions opts, Path scratch, Path jar, Path storeDir, DaemonClient client) {
        this.lower = scratch.resolve("partly-lower");
        this.upper = new Union.Strata("strata-upper", scratch, jar, opts.cliJvm, opts.strataJvm, opts.strataOpts);
        this.store = new Union.StrataStore("strata-store", scratch, jar, opts.cliJvm, storeDir, "c", null);
        upper.lowers(List.of(lower));
        store.lowers(List.of(lower));
        this.fileBytes = (opts.quick ? 64L : 256L) << 20;
        this.pages = (int) (fileBytes / LowerTrees.BLOCK / 4);
        this.reads = opts.randReads;
        this.client = client;
    }

    /** The baseline (the overlay-format upper) first. */
    List<Union> unions() {
        return List.of(upper, store);
    }

    void build() throws Exception {
        Files.createDirectories(lower);
        LowerTrees.offsetTagged(lower.resolve(FILE), fileBytes);
        store.freshUpper();
        store.mount();
        client.call("snapshot-create", "c", "s0");
        rewrite(store);
        client.call("snapshot-create", "c", "s1");
        upper.freshUpper();
        upper.mount();
        rewrite(upper);
        List<String> cmp = List.of("cmp", store.mnt.resolve(FILE).toString(), upper.mnt.resolve(FILE).toString());
        Shell.run(cmp).orThrow(cmp);
    }

    private void rewrite(Union u) throws Exception {
        Path f = u.mnt.resolve(FILE);
        FileOps.rewritePages(f, fileBytes, pages, 4, 1);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** A new server process on both columns (for the store: the daemon stopped, its caches gone), then every cache dropped. */
    private static void cold(Union u) {
        for (String p : u.unmount()) System.err.println("bench: " + p);
        if (!u.serverExitsOnUnmount()) for (String p : u.close()) System.err.println("bench: " + p);
        u.mount();
        Shell.dropCaches();
    }

    List<Workloads.Workload> workloads() {
        String what = reads + " × 4 KiB random reads of a " + (fileBytes >> 20) + " MiB file, a quarter of it rewritten";
        Workloads.Step step = (u, r) -> FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r + 100);
        return List.of(
                new Workloads.Workload("rand-read-cold", what + ", cold", "≤ 1.5", 1, (u, r) -> cold(u), step),
                new Workloads.Workload("rand-read-dropped", what + ", caches dropped, server warm", "–", 1,
                        (u, r) -> {
                            FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r + 500); // other offsets
                            Shell.dropCaches();
                        }, step),
                new Workloads.Workload("rand-read-warm", what + ", warm", "≤ 1.5", 1,
                        (u, r) -> FileOps.randomRead(u.mnt.resolve(FILE), fileBytes, reads, 1, r + 100), step));
    }

    String describe() {
        return "- partly rewritten file: " + (fileBytes >> 20) + " MiB lower file (each 4 KiB block begins with its "
                + "offset), shared read-only by both columns; strata-store: container `c` on it, snapshot `s0`, " + pages
                + " random 4 KiB pages rewritten in place (pwrite(2), fsync), snapshot `s1`; strata-upper: the "
                + "overlay-format upper of `strata mount -o lowerdir=,upperdir=,workdir=` (the first write copies the "
                + "file up whole), the same pages rewritten; `cmp` of the two files before the reads\n"
                + "- reads: " + reads + " 4 KiB pread(2)s at random block offsets (the same offsets on both columns, "
                + "each block checked against its offset) from Java; `sync` before each timed step; cold = unmount, a "
                + "new server (the store's daemon stopped and started by the mount: RocksDB's block cache and the JIT "
                + "cold on both sides, as the overlay-format mount's new server), `sync; echo 3 > drop_caches`; "
                + "dropped = other offsets read untimed, then only the cache drop (servers and their caches warm, "
                + "the kernel's page cache cold); warm = the same reads untimed just before (the kernel's page cache "
                + "on both sides); columns in an order rotated per workload and repetition\n";
    }
}
