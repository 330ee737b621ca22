package io.strata.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The workloads of the issue, in the order they run in every repetition. Each has an untimed preparation (remount and
 * drop caches for "cold", a warm-up pass for "warm") and a timed step. The order matters only in that the workloads
 * that change the union (untar, rm -rf, writes, copy-up) come after those that read it; the upper is fresh for
 * every repetition.
 */
final class Workloads {
    interface Step {
        double run(Union u, int rep) throws Exception;
    }

    interface Prep {
        void run(Union u, int rep) throws Exception;
    }

    /** Workloads that change the union: a second run in the same repetition would not do the same work. */
    private static final java.util.Set<String> CHANGE_THE_UNION = java.util.Set.of("untar", "rm-rf", "write", "write-fsync", "copy-up",
            "copy-up-cold", "copy-up-fsync", "append");

    /** target: the bound for strata/overlayfs, or a note; timesPerRep: samples per repetition. */
    record Workload(String id, String title, String target, int timesPerRep, Prep prep, Step step) {
        /** Can a disturbed sample be prepared and timed again ({@link Noise})? */
        boolean repeatable() {
            return !CHANGE_THE_UNION.contains(id);
        }
    }

    private Workloads() {
    }

    /** One sample: the timed step's seconds, the server's CPU seconds during it (NaN: a kernel mount), noise seen. */
    record Sample(double seconds, double serverCpu, Noise.Decision noise, String why) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%10s%s%s", Results.time(seconds),
                    Double.isNaN(serverCpu) ? "" : String.format(java.util.Locale.ROOT, "  (server CPU %.2f s)", serverCpu),
                    noise == Noise.Decision.KEEP_DISTURBED ? "  DISTURBED (caches dropped by another process)" : "");
        }
    }

    /**
     * Prepares and times one step, with the CPU time (user + system) of the union's server process around the timed
     * part. When another process dropped the caches meanwhile, a step that only reads is prepared and timed again
     * (onRerun hears why), one that changes the union is kept and marked ({@link Noise}).
     */
    static Sample measure(Workload w, Union u, int rep, java.util.function.Consumer<String> onRerun) throws Exception {
        for (int attempt = 1; ; attempt++) {
            if (!u.isMounted() && !w.id().equals("mount")) u.mount();
            w.prep().run(u, rep);
            Shell.sync(); // no write-back of an earlier step lands in this one
            java.util.OptionalLong pid = u.serverPid();
            double cpu0 = pid.isPresent() ? ServerProcess.cpuSeconds(pid.getAsLong()) : Double.NaN;
            Noise.Drops before = Noise.Drops.read();
            double secs = w.step().run(u, rep);
            Noise.Drops after = Noise.Drops.read();
            double cpu = pid.isPresent() ? ServerProcess.cpuSeconds(pid.getAsLong()) - cpu0 : Double.NaN;
            Noise.Decision d = Noise.decide(Noise.droppedBetween(before, after), attempt, w.repeatable());
            String why = "another process dropped the caches during the timed step (" + Results.time(secs) + ")";
            if (d == Noise.Decision.RERUN) {
                onRerun.accept(why);
                continue;
            }
            return new Sample(secs, cpu, d, why);
        }
    }

    /** Unmount and mount again: a new server process for FUSE columns, empty kernel caches for the mount. */
    static void remount(Union u) {
        for (String p : u.unmount()) System.err.println("bench: " + p);
        u.mount();
    }

    /** Remount, then write back and drop every cache of the machine (lowers included). */
    static void cold(Union u) {
        remount(u);
        Shell.dropCaches();
    }

    static List<Workload> all(BenchOptions o, LowerTrees t) {
        long size = t.bigFileBytes;
        String sz = size % (1L << 30) == 0 ? (size >> 30) + " GiB" : (size >> 20) + " MiB";
        int reads = o.randReads;
        Prep none = (u, r) -> {
        };
        Prep warmBig = (u, r) -> FileOps.sequentialRead(u.mnt.resolve("big.bin"), size);
        List<Workload> w = new ArrayList<>();
        w.add(new Workload("mount", "mount (command until live)", "(peers: ~3 ms / ~11 ms)", 3,
                (u, r) -> {
                    for (String p : u.unmount()) System.err.println("bench: " + p);
                }, (u, r) -> u.mount()));
        w.add(new Workload("seq-read-cold", "seq read " + sz + ", cold", "≤ 1.5", 1,
                (u, r) -> cold(u), (u, r) -> FileOps.sequentialRead(u.mnt.resolve("big.bin"), size)));
        w.add(new Workload("seq-read-warm", "seq read " + sz + ", warm", "≤ 1.5", 1,
                warmBig, (u, r) -> FileOps.sequentialRead(u.mnt.resolve("big.bin"), size)));
        w.add(new Workload("rand-read-cold", reads + " × 4 KiB random reads, cold", "≤ 1.5", 1,
                (u, r) -> cold(u), (u, r) -> FileOps.randomRead(u.mnt.resolve("big.bin"), size, reads, 1, r)));
        w.add(new Workload("rand-read-cold-2t", reads + " × 4 KiB random reads, cold, 2 threads", "≤ 1.5", 1,
                (u, r) -> cold(u), (u, r) -> FileOps.randomRead(u.mnt.resolve("big.bin"), size, reads, 2, r + 50)));
        w.add(new Workload("rand-read-warm", reads + " × 4 KiB random reads, warm", "≤ 1.5", 1,
                warmBig, (u, r) -> FileOps.randomRead(u.mnt.resolve("big.bin"), size, reads, 1, r + 100)));
        w.add(new Workload("rand-read-warm-2t", reads + " × 4 KiB random reads, warm, 2 threads", "≤ 1.5", 1,
                warmBig, (u, r) -> FileOps.randomRead(u.mnt.resolve("big.bin"), size, reads, 2, r + 200)));
        w.add(new Workload("walk-cold", "find + lstat, " + t.walkEntries + " entries over 2 lowers, cold", "≤ 1.5", 1,
                (u, r) -> cold(u), (u, r) -> FileOps.find(u.mnt.resolve("tree"), t.walkEntries)));
        w.add(new Workload("walk-warm", "find + lstat, " + t.walkEntries + " entries over 2 lowers, warm", "≤ 1.5", 1,
                (u, r) -> FileOps.find(u.mnt.resolve("tree"), t.walkEntries),
                (u, r) -> FileOps.find(u.mnt.resolve("tree"), t.walkEntries)));
        // caches cold but the server warm (no remount): separates a cold JVM from a cold page/dentry cache
        w.add(new Workload("walk-dropped", "find + lstat, " + t.walkEntries + " entries, caches dropped, no remount", "≤ 1.5", 1,
                (u, r) -> Shell.dropCaches(), (u, r) -> FileOps.find(u.mnt.resolve("tree"), t.walkEntries)));
        w.add(new Workload("untar", "untar " + t.untarFiles + " small files (create)", "≤ 2.5", 1,
                (u, r) -> Files.createDirectory(u.mnt.resolve("untar")),
                (u, r) -> FileOps.untar(t.tarball, u.mnt.resolve("untar"), t.untarFiles)));
        w.add(new Workload("rm-rf", "rm -rf of a " + t.rmEntries + "-entry lower tree", "≤ 3", 1,
                none, (u, r) -> FileOps.removeTree(u.mnt.resolve("rmtree"))));
        w.add(new Workload("write", "seq write " + sz + " (new file)", "≤ 2.5", 1,
                none, (u, r) -> FileOps.write(u.mnt.resolve("new.bin"), size, false)));
        w.add(new Workload("write-fsync", "seq write " + sz + " + fsync", "≤ 2.5", 1,
                none, (u, r) -> FileOps.write(u.mnt.resolve("new-fsync.bin"), size, true)));
        w.add(new Workload("copy-up", "copy-up: 1 byte into the " + sz + " lower file (warm)", "(peers: 0.3–1.4 s)", 1,
                warmBig, (u, r) -> FileOps.copyUpOneByte(u.mnt.resolve("big.bin"), size, false)));
        // copies of the big file in the lower: a copy-up happens once per file and repetition; warm = read that file
        java.util.function.Function<String, Prep> warm = name -> (u, r) -> FileOps.sequentialRead(u.mnt.resolve(name), size);
        w.add(new Workload("copy-up-cold", "copy-up: 1 byte into the " + sz + " lower file (cold)", "≤ 10 ms (store)", 1,
                (u, r) -> cold(u), (u, r) -> FileOps.copyUpOneByte(u.mnt.resolve("big-cold.bin"), size, false)));
        w.add(new Workload("copy-up-fsync", "copy-up: 1 byte into the " + sz + " lower file + fsync (warm)", "≤ 10 ms (store)", 1,
                warm.apply("big-fsync.bin"), (u, r) -> FileOps.copyUpOneByte(u.mnt.resolve("big-fsync.bin"), size, true)));
        w.add(new Workload("append", "4 KiB append to the " + sz + " lower file (warm)", "(copy-up + append)", 1,
                warm.apply("big-append.bin"), (u, r) -> FileOps.appendBlock(u.mnt.resolve("big-append.bin"), size)));
        if (o.workloads != null) {
            for (String id : o.workloads)
                if (w.stream().noneMatch(x -> x.id().equals(id))) throw new IllegalArgumentException("unknown workload " + id);
            w.removeIf(x -> !o.workloads.contains(x.id()));
        }
        return w;
    }
}
