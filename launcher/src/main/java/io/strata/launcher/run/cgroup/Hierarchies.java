package io.strata.launcher.run.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroup hierarchies of this machine, found at run time (nothing to configure): cgroup v2 when a cgroup2 mount
 * offers the memory, cpu and pids controllers (a unified host: /sys/fs/cgroup/cgroup.controllers), otherwise the v1
 * controller mounts of /proc/self/mountinfo (a hybrid host: v1 memory, cpu, pids, … and a cgroup2 mount without
 * them). Container cgroups go to {@code strata/ID} at the root of each hierarchy, as docker's cgroupfs driver puts
 * them under {@code docker/} — not under the cgroup of the process that creates them.
 */
public final class Hierarchies {
    /** The v1 controllers a container cgroup joins when they are mounted (limits, accounting, freezing, devices). */
    static final List<String> V1_CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "freezer", "devices");
    static final List<String> V2_CONTROLLERS = List.of("memory", "cpu", "pids");

    private final Map<String, Path> v1;
    private final Path v2;
    private final Set<String> v2Controllers;

    private Hierarchies(Map<String, Path> v1, Path v2, Set<String> v2Controllers) {
        this.v1 = Map.copyOf(v1);
        this.v2 = v2;
        this.v2Controllers = Set.copyOf(v2Controllers);
    }

    /** v1 hierarchies at these mounts (controller → mount point). */
    public static Hierarchies v1(Map<String, Path> mounts) {
        return new Hierarchies(mounts, null, Set.of());
    }

    /** The unified hierarchy mounted at root (its controllers read from root/cgroup.controllers). */
    public static Hierarchies v2(Path root) {
        return new Hierarchies(Map.of(), root, controllers(root));
    }

    /** What /proc/self/mountinfo shows. */
    public static Hierarchies detect() {
        try {
            return fromMountinfo(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    static Hierarchies fromMountinfo(List<String> lines) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path best = null;
        Set<String> bestControllers = Set.of();
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 3 >= f.length) continue;
            String type = f[dash + 1];
            Path mp = Path.of(unescape(f[4]));
            if (type.equals("cgroup")) {
                for (String opt : f[dash + 3].split(","))
                    if (V1_CONTROLLERS.contains(opt)) v1.putIfAbsent(opt, mp);
            } else if (type.equals("cgroup2")) {
                Set<String> c = controllers(mp);
                if (best == null || c.size() > bestControllers.size()) {
                    best = mp;
                    bestControllers = c;
                }
            }
        }
        boolean unified = best != null && (bestControllers.containsAll(V2_CONTROLLERS) || v1.isEmpty());
        return unified ? new Hierarchies(Map.of(), best, bestControllers) : new Hierarchies(v1, null, Set.of());
    }

    private static Set<String> controllers(Path cgroup2Root) {
        try {
            return new LinkedHashSet<>(List.of(Files.readString(cgroup2Root.resolve("cgroup.controllers")).trim().split("\\s+")));
        } catch (IOException e) {
            return Set.of();
        }
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    /** "v1" or "v2". */
    public String version() {
        return v2 != null ? "v2" : "v1";
    }

    /** v1: controller → mount point; empty on v2. */
    public Map<String, Path> v1Mounts() {
        return v1;
    }

    /** The cgroup2 mount used, or null on v1. */
    public Path v2Root() {
        return v2;
    }

    /** Creates the cgroup of container id with these limits (IOException: a controller a limit needs is missing). */
    public Cgroup create(String id, Limits limits) throws IOException {
        checkId(id);
        if (v2 != null) return CgroupV2.create(id, v2, v2Controllers, limits);
        if (v1.isEmpty()) throw new IOException("no cgroup hierarchy is mounted (/proc/self/mountinfo)");
        return CgroupV1.create(id, v1, limits);
    }

    /** The cgroup of container id as it is now (to read it, or to destroy what a crashed run left). */
    public Cgroup open(String id) {
        checkId(id);
        if (v2 != null) return new CgroupV2(id, v2.resolve(Cgroup.PARENT).resolve(id));
        Map<String, Path> dirs = new LinkedHashMap<>();
        v1.forEach((c, mp) -> dirs.put(c, mp.resolve(Cgroup.PARENT).resolve(id)));
        return new CgroupV1(id, dirs);
    }

    private static void checkId(String id) {
        if (id.isEmpty() || id.contains("/") || id.startsWith(".")) throw new IllegalArgumentException("bad cgroup id " + id);
    }
}
