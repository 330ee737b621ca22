package io.strata.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The harness' command line: scale knobs, which columns to run, and how Strata is started. */
final class BenchOptions {
    static final String USAGE = """
            usage: benchmarks/run.sh [options]
              --reps N               repetitions per workload (default 3); columns are interleaved in every repetition
              --size-gib X           size of the big lower file and of the written files (default 1)
              --files N              entries of the walked tree, over 2 lowers (default 50000)
              --untar-files N        files in the tarball extracted into the union (default 20000)
              --rm-files N           entries of the lower tree removed with rm -rf (default 10000)
              --rand-reads N         4 KiB random reads per random-read run (default 20000)
              --quick                smoke run: 128 MiB, 5000/2000/1000 files, 2000 reads, 2 repetitions
              --only LIST            columns to run, comma-separated: overlayfs,fuse-overlayfs,strata,strata-store
                                     (default the first three; strata-store: the block store as the writable layer)
              --strata-opts OPTS     extra -o options for the strata column (e.g. entry_timeout=5,attr_timeout=5)
              --strata-jvm FLAGS     STRATA_JVM_OPTS for the strata column's server (default: $STRATA_JVM_OPTS)
              --strata-variant SPEC  one more Strata column, interleaved with the others; SPEC is
                                     LABEL[:jvm=FLAGS][;opts=OPTS], e.g. 'single:jvm=-Dstrata.fuse.threads=single'
              --jar PATH             the Strata CLI jar (default launcher/target/strata.jar, copied before the run)
              --cli-jvm FLAGS        JVM flags of the `strata mount` CLI process (default as ./strata:
                                     -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)
              --scaling MODE         a scaling run instead (benchmarks/README.md): 'lowers' = cost vs number of lower
                                     layers on overlayfs, fuse-overlayfs, strata; 'snapshots' = cost vs number of
                                     snapshots of the block store through the daemon's mount
              --store-targets        the block store's targets of issue #4 instead (benchmarks/README.md): snapshot
                                     create and restore over the daemon's socket with 0 / 8 MiB / 1 GiB changed
                                     (quick: 0 / 8 / 64 MiB), and 4 KiB random reads of a partly rewritten file,
                                     store vs overlay-format upper, cold and warm
              --btrfs-peer DIR TOOL  --store-targets: the same snapshot steps on the btrfs mounted at DIR (kernel
                                     subvolume snapshots, the peer of the same run), made by TOOL (built from
                                     benchmarks/src/main/c/btrfs-peer.c); run.sh makes both when btrfs is available
              --layers LIST          --scaling lowers: numbers of lower layers (default 1,8,32,64,128; quick 1,8,128)
              --depths LIST          --scaling snapshots: snapshots below the read file (default 1,10,100,1000;
                                     quick 1,10,100)
              --profile-dir DIR      scaling runs: a JFR recording (settings=profile) of each Strata server during
                                     its timed steps at the largest N, DIR/METRIC-COLUMN-N.jfr (those samples are
                                     slowed by the recording: a profiling run, not a measurement)
              --workloads LIST       run only these workloads (ids as printed in the table), comma-separated
              --out FILE             markdown output (default benchmarks/results-latest.md)
              --scratch DIR          scratch directory to create and delete (default: a new one under /var/tmp)
              --fresh-fs[=GIB]       (run.sh) scratch on a new journaled ext4 of GIB (default 64, sparse) on a loop device,
                                     made for the run and deleted after it
              --keep-scratch         do not delete the scratch directory (debugging)
            """;

    /** One Strata column: its label, the server's extra JVM flags and the extra mount options. */
    record StrataVariant(String label, String jvmFlags, String mountOpts) {
    }

    int reps = 3;
    long bigFileBytes = 1L << 30;
    int walkFiles = 50_000;
    int untarFiles = 20_000;
    int rmFiles = 10_000;
    int randReads = 20_000;
    boolean quick;
    Set<String> only = new LinkedHashSet<>(List.of("overlayfs", "fuse-overlayfs", "strata"));
    String strataOpts = "";
    String strataJvm = envOr("STRATA_JVM_OPTS", "");
    final List<StrataVariant> variants = new ArrayList<>();
    Path jar = Path.of("launcher/target/strata.jar");
    String cliJvm = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto";
    Set<String> workloads; // null = all
    String scaling; // null: the side-by-side run
    boolean storeTargets; // the block store's targets instead of the side-by-side run
    Path btrfsPeer, btrfsTool; // --store-targets: a mounted btrfs for the peer's snapshot steps, its tool; null = no peer
    Path profileDir; // scaling runs: JFR of the Strata servers at the largest N
    List<Integer> layers = List.of(1, 8, 32, 64, 128);
    List<Integer> depths = List.of(1, 10, 100, 1000);
    Path out = Path.of("benchmarks/results-latest.md");
    Path scratch; // null = create one under /var/tmp
    boolean keepScratch;
    List<String> args = List.of();

    private static String envOr(String name, String dflt) {
        String v = System.getenv(name);
        return v == null ? dflt : v.trim();
    }

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        o.args = List.of(args);
        boolean sizeSet = false, filesSet = false, untarSet = false, rmSet = false, readsSet = false, repsSet = false,
                layersSet = false, depthsSet = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--reps" -> { o.reps = Integer.parseInt(value(args, ++i, a)); repsSet = true; }
                case "--size-gib" -> {
                    o.bigFileBytes = Math.max(1, Math.round(Double.parseDouble(value(args, ++i, a)) * 1024)) << 20;
                    sizeSet = true;
                }
                case "--files" -> { o.walkFiles = Integer.parseInt(value(args, ++i, a)); filesSet = true; }
                case "--untar-files" -> { o.untarFiles = Integer.parseInt(value(args, ++i, a)); untarSet = true; }
                case "--rm-files" -> { o.rmFiles = Integer.parseInt(value(args, ++i, a)); rmSet = true; }
                case "--rand-reads" -> { o.randReads = Integer.parseInt(value(args, ++i, a)); readsSet = true; }
                case "--quick" -> o.quick = true;
                case "--only" -> {
                    o.only = new LinkedHashSet<>(List.of(value(args, ++i, a).split(",")));
                    for (String c : o.only)
                        if (!List.of("overlayfs", "fuse-overlayfs", "strata", "strata-store").contains(c))
                            throw new IllegalArgumentException("--only: unknown column " + c);
                }
                case "--strata-opts" -> o.strataOpts = value(args, ++i, a);
                case "--strata-jvm" -> o.strataJvm = value(args, ++i, a);
                case "--strata-variant" -> o.variants.add(variant(value(args, ++i, a)));
                case "--jar" -> o.jar = Path.of(value(args, ++i, a));
                case "--cli-jvm" -> o.cliJvm = value(args, ++i, a);
                case "--scaling" -> {
                    o.scaling = value(args, ++i, a);
                    if (!List.of("lowers", "snapshots").contains(o.scaling))
                        throw new IllegalArgumentException("--scaling: lowers or snapshots, not " + o.scaling);
                }
                case "--store-targets" -> o.storeTargets = true;
                case "--btrfs-peer" -> {
                    o.btrfsPeer = Path.of(value(args, ++i, a));
                    o.btrfsTool = Path.of(value(args, ++i, a));
                }
                case "--layers" -> { o.layers = ints(value(args, ++i, a)); layersSet = true; }
                case "--depths" -> { o.depths = ints(value(args, ++i, a)); depthsSet = true; }
                case "--profile-dir" -> o.profileDir = Path.of(value(args, ++i, a));
                case "--workloads" -> o.workloads = new LinkedHashSet<>(List.of(value(args, ++i, a).split(",")));
                case "--out" -> o.out = Path.of(value(args, ++i, a));
                case "--scratch" -> o.scratch = Path.of(value(args, ++i, a));
                case "--keep-scratch" -> o.keepScratch = true;
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown argument " + a + "\n" + USAGE);
            }
        }
        if (o.quick) { // explicit knobs still win
            if (!sizeSet) o.bigFileBytes = 128L << 20;
            if (!filesSet) o.walkFiles = 5_000;
            if (!untarSet) o.untarFiles = 2_000;
            if (!rmSet) o.rmFiles = 1_000;
            if (!readsSet) o.randReads = 2_000;
            if (!repsSet) o.reps = 2;
            if (!layersSet) o.layers = List.of(1, 8, 128);
            if (!depthsSet) o.depths = List.of(1, 10, 100);
        }
        if (o.storeTargets && o.scaling != null) throw new IllegalArgumentException("--store-targets and --scaling exclude each other");
        if (o.btrfsPeer != null && !o.storeTargets) throw new IllegalArgumentException("--btrfs-peer goes with --store-targets");
        if (o.layers.stream().anyMatch(n -> n < 1 || n > 500)) throw new IllegalArgumentException("--layers: 1 to 500 each");
        if (o.depths.stream().anyMatch(n -> n < 1)) throw new IllegalArgumentException("--depths: 1 or more each");
        if (o.reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
        return o;
    }

    /** "1,8,128" → [1, 8, 128], sorted */
    static List<Integer> ints(String list) {
        return java.util.Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).sorted().distinct().toList();
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    /** LABEL[:jvm=FLAGS][;opts=OPTS] */
    static StrataVariant variant(String spec) {
        int colon = spec.indexOf(':');
        String label = colon < 0 ? spec : spec.substring(0, colon);
        String jvm = "", opts = "";
        if (colon >= 0) {
            for (String part : spec.substring(colon + 1).split(";")) {
                if (part.startsWith("jvm=")) jvm = part.substring(4);
                else if (part.startsWith("opts=")) opts = part.substring(5);
                else if (!part.isBlank()) throw new IllegalArgumentException("--strata-variant: cannot read '" + part + "'");
            }
        }
        if (!label.matches("[A-Za-z0-9_.+-]+")) throw new IllegalArgumentException("--strata-variant: bad label " + label);
        return new StrataVariant("strata-" + label, jvm, opts);
    }
}
