package io.strata.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost against the number of lower layers N, through the mount, on kernel overlayfs, fuse-overlayfs and Strata over
 * the same layers (read-only lowers can be shared; each union has its own empty upper). Layout of the N layers
 * {@code L/N/0} (top) … {@code L/N/N-1} (bottom); short names, because the kernel takes its mount options in one page:
 * <pre>
 * a/, w/              in every layer; f00000… only in the bottom layer (w/: the same for the warm-up)
 * r/, wr/             in every layer; entry e in layer e % N (merged readdir; wr/: a quarter, warm-up)
 * t/dNNN/, wt/dNNN/   in every layer; the k-th file of a directory in layer k % N (find; wt/: a quarter, warm-up)
 * </pre>
 * Every sample starts from a fresh mount (a new server for FUSE columns, empty kernel caches of the union; the
 * lowers' own caches stay warm, primed once), then a warm-up of the same kind on other names (a FUSE server's JIT
 * must not be what is measured), then the timed step on names this mount has not seen.
 */
final class ScalingLowers implements Scaling.Mode {
    private static final int FILES_PER_TREE_DIR = 200;

    private final BenchOptions opts;
    private final Path scratch, layers, found, missing;
    private final int names, dirEntries, treeFiles, treeDirs;
    private final Map<Integer, List<Union>> unions = new LinkedHashMap<>();
    private final List<String> columns = new ArrayList<>();

    ScalingLowers(BenchOptions opts, Path scratch) {
        this.opts = opts;
        this.scratch = scratch;
        this.layers = scratch.resolve("L");
        this.found = scratch.resolve("names-found.txt");
        this.missing = scratch.resolve("names-missing.txt");
        this.names = opts.quick ? 300 : 2000;
        this.dirEntries = opts.quick ? 1000 : 10_000;
        this.treeFiles = opts.quick ? 2000 : 20_000;
        this.treeDirs = Math.max(1, treeFiles / FILES_PER_TREE_DIR);
        for (String c : List.of("overlayfs", "fuse-overlayfs", "strata", "strata-store")) if (opts.only.contains(c)) columns.add(c);
        if (columns.isEmpty()) throw new IllegalArgumentException("no columns to run");
    }

    @Override
    public String xLabel() {
        return "lower layers";
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public void build(Series series) throws IOException {
        List<String> f = new ArrayList<>(), m = new ArrayList<>();
        for (int i = 0; i < names; i++) {
            f.add(String.format("f%05d", i));
            m.add(String.format("m%05d", i));
        }
        Files.write(found, f);
        Files.write(missing, m);
        Path jar = scratch.resolve("strata.jar");
        for (int n : opts.layers) {
            System.err.printf("bench: building %d lower layers%n", n);
            List<Path> ls = new ArrayList<>();
            for (int i = 0; i < n; i++) ls.add(Files.createDirectories(layers.resolve(n + "/" + i)));
            fill(ls, f);
            Path base = scratch.resolve("n" + n);
            List<Union> us = new ArrayList<>();
            for (String c : columns)
                us.add(switch (c) {
                    case "overlayfs" -> new Union.KernelOverlay(base);
                    case "fuse-overlayfs" -> new Union.FuseOverlayfs(base);
                    case "strata" -> new Union.Strata("strata", base, jar, opts.cliJvm, opts.strataJvm, opts.strataOpts);
                    default -> new Union.StrataStore(base, jar, opts.cliJvm);
                });
            for (Union u : us) {
                u.lowers(ls);
                u.freshUpper();
            }
            unions.put(n, us);
        }
        // the lowers' own dentries and inodes warm for every column alike: the union's caches are what is measured
        Shell.run(List.of("find", layers.toString()), java.util.Map.of(), true).orThrow(List.of("find", layers.toString()));
    }

    private void fill(List<Path> ls, List<String> fileNames) throws IOException {
        int n = ls.size();
        Path bottom = ls.get(n - 1);
        for (Path l : ls)
            for (String d : List.of("a", "w", "r", "wr")) Files.createDirectories(l.resolve(d));
        for (String name : fileNames) {
            Files.createFile(bottom.resolve("a").resolve(name));
            Files.createFile(bottom.resolve("w").resolve(name));
        }
        for (int e = 0; e < dirEntries; e++) Files.createFile(ls.get(e % n).resolve("r").resolve(String.format("e%05d", e)));
        for (int e = 0; e < dirEntries / 4; e++) Files.createFile(ls.get(e % n).resolve("wr").resolve(String.format("e%05d", e)));
        tree(ls, "t", treeFiles);
        tree(ls, "wt", treeFiles / 4);
    }

    private void tree(List<Path> ls, String root, int files) throws IOException {
        int dirs = Math.max(1, files / FILES_PER_TREE_DIR);
        for (Path l : ls)
            for (int d = 0; d < dirs; d++) Files.createDirectories(l.resolve(root).resolve(String.format("d%03d", d)));
        for (int j = 0; j < files; j++) { // the k-th file of a directory in layer k % N: every directory spread over all
            int d = j % dirs, k = j / dirs;
            Files.createFile(ls.get(k % ls.size()).resolve(root).resolve(String.format("d%03d/g%05d", d, j)));
        }
    }

    @Override
    public List<Union> unions(int n) {
        return unions.getOrDefault(n, List.of());
    }

    @Override
    public List<Union> all() {
        return unions.values().stream().flatMap(List::stream).toList();
    }

    /** Mount afresh, then the warm-up: the same kind of step on names the timed step does not use. */
    private static Workloads.Prep fresh(Workloads.Step warmUp) {
        return (u, r) -> {
            Workloads.remount(u);
            warmUp.run(u, r);
        };
    }

    @Override
    public List<Workloads.Workload> workloads() {
        long treeEntries = 1 + treeDirs + treeFiles, warmTreeEntries = 1 + Math.max(1, treeFiles / 4 / FILES_PER_TREE_DIR) + treeFiles / 4;
        return List.of(
                new Workloads.Workload("lookup-bottom", "lstat of " + names + " names only in the bottom layer", "", 1,
                        fresh((u, r) -> FileOps.lstatNames(u.mnt.resolve("w"), found, names)),
                        (u, r) -> FileOps.lstatNames(u.mnt.resolve("a"), found, names)),
                new Workloads.Workload("lookup-missing", "lstat of " + names + " names in no layer", "", 1,
                        fresh((u, r) -> FileOps.lstatNames(u.mnt.resolve("w"), missing, 0)),
                        (u, r) -> FileOps.lstatNames(u.mnt.resolve("a"), missing, 0)),
                new Workloads.Workload("readdir", "merged readdir of " + dirEntries + " entries spread over all layers", "", 1,
                        fresh((u, r) -> FileOps.listDir(u.mnt.resolve("wr"), dirEntries / 4)),
                        (u, r) -> FileOps.listDir(u.mnt.resolve("r"), dirEntries)),
                new Workloads.Workload("find", "find + lstat, " + treeEntries + " entries spread over all layers", "", 1,
                        fresh((u, r) -> FileOps.find(u.mnt.resolve("wt"), warmTreeEntries)),
                        (u, r) -> FileOps.find(u.mnt.resolve("t"), treeEntries)));
    }

    @Override
    public String describe() {
        return "- layers: " + opts.layers + " lower layers under " + layers + "/N/0…N-1 (0 on top), shared by the columns; "
                + names + " names looked up (in the bottom layer / in none), " + dirEntries + " entries listed, "
                + treeFiles + " files in " + treeDirs + " directories walked; every directory exists in every layer; "
                + "kernel overlayfs is mounted from L/N with relative lowerdir names (its options fit one page)\n"
                + "- method: per sample: unmount, mount (a new server for FUSE), a warm-up of the same kind on other names "
                + "(w/, wr/, wt/), then the timed step on names this mount has not seen; lstat and readdir are timed inside "
                + "a perl loop (`lstat` per name; `opendir`/`readdir` to the end, no stat), find = `find DIR -printf '%y %s\\n'` "
                + "(readdir + an lstat per entry) from start to exit; the lowers' caches are primed once with `find L`; "
                + "repetitions rotate the order of N, and of the columns per N and workload\n";
    }
}
