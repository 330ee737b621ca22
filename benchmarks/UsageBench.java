import io.strata.core.layer.LayerStack;
import io.strata.core.layerfs.HostFs;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.core.usage.DiskUsage;
import io.strata.core.usage.UpperUsage;
import io.strata.core.usage.UsageFile;
import io.strata.fuse.FuseMount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Usage counters (issue #8): (1) what counting costs an untar of FILES files through a real mount, usage=off and
 * usage=on in interleaved rounds, wall time and this JVM's CPU time (it is the FUSE server; tar runs apart);
 * (2) what a Usage answer costs on the resulting upper: containerd's walk (the answer before) against the counters
 * (served mode) and the saved file (mount-program mode). Run by benchmarks/usage.sh with the launcher's jar.
 */
public class UsageBench {
    static final long CLK_TCK = 100;

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int files = Integer.parseInt(args[1]);
        Path base = Files.createTempDirectory(Path.of("/var/tmp"), "strata-usage-bench-");
        try {
            if (args.length > 2 && args[2].equals("inprocess")) inProcess(base, rounds, files);
            else run(base, rounds, files);
        } finally {
            delete(base);
        }
    }

    static void run(Path base, int rounds, int files) throws Exception {
        Path src = Files.createDirectories(base.resolve("src"));
        byte[] data = new byte[8192];
        new java.util.Random(1).nextBytes(data);
        for (int i = 0; i < files; i++) {
            Path d = Files.createDirectories(src.resolve("d" + (i / 100)));
            Files.write(d.resolve("f" + i), java.util.Arrays.copyOf(data, 100 + (i * 37) % 8000));
        }
        Path tar = base.resolve("files.tar");
        sh("tar", "-cf", tar.toString(), "-C", src.toString(), ".");
        delete(src);
        Path lower = Files.createDirectories(base.resolve("lower/etc"));
        Files.writeString(lower.resolve("motd"), "lower\n");
        for (boolean counting : new boolean[] {false, true}) delete(base.resolve("warm"), untar(base.resolve("warm"), base.resolve("lower"), tar, counting));
        System.out.printf("untar of %d files through the mount (after one warm-up round of each); load before: %s%n", files, load());
        List<double[]> off = new ArrayList<>(), on = new ArrayList<>();
        Path kept = null;
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                boolean counting = (r + k) % 2 == 1; // alternate which goes first
                Path dir = base.resolve("r" + r + (counting ? "on" : "off"));
                double[] m = untar(dir, base.resolve("lower"), tar, counting);
                (counting ? on : off).add(m);
                System.out.printf("round %d usage=%s: %.0f ms wall, %.2f s server CPU%s%n", r + 1, counting ? "on" : "off",
                        m[0], m[1], counting ? ", counters " + (m[2] == 1 ? "= walk" : "!= WALK") : "");
                if (counting && r == rounds - 1) kept = dir;
                else delete(dir);
            }
        }
        System.out.printf("load after: %s%n", load());
        summary("wall ms", off, on, 0);
        summary("server CPU s", off, on, 1);
        latency(kept);
        inProcess(base, rounds, files);
    }

    /**
     * In-process, no FUSE, one thread: what counting adds to the union's own work (mkdir, then create + one write +
     * close per file, as an untar does), in thread CPU time, which the other processes on the machine disturb least.
     */
    static void inProcess(Path base, int rounds, int files) throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] data = new byte[4096];
        List<double[]> off = new ArrayList<>(), on = new ArrayList<>();
        for (int r = -1; r < rounds; r++) { // round -1 warms up
            for (int k = 0; k < 2; k++) {
                boolean counting = (r + k + 2) % 2 == 1;
                Path dir = base.resolve("ip" + r + counting);
                Path lower = Files.createDirectories(dir.resolve("lower")), upper = Files.createDirectories(dir.resolve("fs")),
                        work = Files.createDirectories(dir.resolve("work"));
                LayerStack stack = LayerDirs.open(MountOptions.parse(List.of("lowerdir=" + lower + ",upperdir=" + upper
                        + ",workdir=" + work + (counting ? ",usage=on" : ""))));
                UnionFs fs = new UnionFs(stack);
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < files; i++) {
                    if (i % 100 == 0) fs.mkdir("d" + i / 100, 0755, io.strata.core.union.Caller.ROOT);
                    try (var f = fs.create("d" + i / 100 + "/f" + i, io.strata.core.host.Host.O_WRONLY
                            | io.strata.core.host.Host.O_CREAT | io.strata.core.host.Host.O_EXCL, 0644, io.strata.core.union.Caller.ROOT)) {
                        f.write(data, 100 + (i * 37) % 4000, 0);
                    }
                }
                double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                UpperUsage.of(stack).ifPresent(UpperUsage::close);
                if (r >= 0) (counting ? on : off).add(new double[] {cpu});
                delete(dir);
            }
        }
        System.out.printf("%nin-process (UnionFs, no FUSE), %d files, thread CPU s, load %s:%n", files, load());
        summary("  union CPU s", off, on, 0);
    }

    /** {wall ms, CPU s of this JVM, counters equal the walk (1/0)} of one untar into a fresh upper. */
    static double[] untar(Path dir, Path lower, Path tar, boolean counting) throws Exception {
        Path upper = Files.createDirectories(dir.resolve("fs")), work = Files.createDirectories(dir.resolve("work"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        MountOptions o = MountOptions.parse(List.of("lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
                + (counting ? ",usage=on" : "")));
        LayerStack stack = LayerDirs.open(o);
        FuseMount m = FuseMount.start(new UnionFs(stack), o, mnt, "usage-bench");
        double[] out = new double[3];
        try {
            double cpu0 = cpu();
            long t0 = System.nanoTime();
            sh("tar", "-xf", tar.toString(), "-C", mnt.toString());
            sh("sync", "-f", mnt.toString());
            out[0] = (System.nanoTime() - t0) / 1e6;
            out[1] = cpu() - cpu0;
        } finally {
            m.close();
            UpperUsage.of(stack).ifPresent(UpperUsage::close);
        }
        if (counting) {
            DiskUsage.Usage saved = UsageFile.read(work.toString(), upper.toString()).orElseThrow().usage();
            out[2] = saved.equals(DiskUsage.of(HostFs.INSTANCE, upper.toString())) ? 1 : 0;
        }
        return out;
    }

    static void latency(Path dir) throws Exception {
        String upper = dir.resolve("fs").toString(), work = dir.resolve("work").toString();
        List<Double> walk = new ArrayList<>(), file = new ArrayList<>(), counters = new ArrayList<>();
        DiskUsage.Usage u = null;
        for (int i = 0; i < 9; i++) {
            long t0 = System.nanoTime();
            u = DiskUsage.of(HostFs.INSTANCE, upper);
            walk.add((System.nanoTime() - t0) / 1e6);
        }
        for (int i = 0; i < 2000; i++) {
            long t0 = System.nanoTime();
            UsageFile.read(work, upper).orElseThrow();
            file.add((System.nanoTime() - t0) / 1e6);
        }
        UpperUsage open = UpperUsage.open(HostFs.INSTANCE, upper, work);
        try {
            for (int i = 0; i < 20000; i++) {
                long t0 = System.nanoTime();
                open.current();
                counters.add((System.nanoTime() - t0) / 1e6);
            }
        } finally {
            open.close();
        }
        System.out.printf("%nUsage of the upper (%d inodes, %d bytes), warm caches, load %s:%n", u.inodes(), u.size(), load());
        System.out.printf("  walk (containerd's fs.DiskUsage; before): median %.2f ms (range %.2f-%.2f, %d runs)%n",
                med(walk), min(walk), max(walk), walk.size());
        System.out.printf("  saved file (mount program; after): median %.4f ms (range %.4f-%.4f, %d runs)%n",
                med(file), min(file), max(file), file.size());
        System.out.printf("  counters in the serving JVM (served; after): median %.5f ms (range %.5f-%.5f, %d runs)%n",
                med(counters), min(counters), max(counters), counters.size());
    }

    static void summary(String what, List<double[]> off, List<double[]> on, int i) {
        List<Double> a = off.stream().map(m -> m[i]).toList(), b = on.stream().map(m -> m[i]).toList();
        List<Double> ratio = new ArrayList<>();
        for (int r = 0; r < a.size(); r++) ratio.add(b.get(r) / a.get(r));
        System.out.printf("%s: usage=off median %.2f (%.2f-%.2f), usage=on median %.2f (%.2f-%.2f); paired ratio on/off median %.3f (%.3f-%.3f)%n",
                what, med(a), min(a), max(a), med(b), min(b), max(b), med(ratio), min(ratio), max(ratio));
    }

    static double cpu() throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/stat")).replaceAll("^.*\\) ", "").split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK; // utime, stime (fields 14, 15)
    }

    static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    static double med(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().min(Double::compare).orElseThrow();
    }

    static double max(List<Double> v) {
        return v.stream().max(Double::compare).orElseThrow();
    }

    static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": exit " + p.exitValue());
    }

    static void delete(Path p, double[] ignored) throws Exception {
        delete(p);
    }

    static void delete(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
