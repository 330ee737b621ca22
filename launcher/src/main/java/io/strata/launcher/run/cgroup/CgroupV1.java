package io.strata.launcher.run.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container cgroup on v1 hierarchies: {@code MOUNT/strata/ID} under each controller's mount (controllers mounted
 * together share one directory). Limits: memory.limit_in_bytes, memory.memsw.limit_in_bytes (when swap accounting
 * is on), cpu.cfs_period_us + cpu.cfs_quota_us, pids.max; devices: runc's default allow list.
 */
public final class CgroupV1 extends Cgroup {
    /** controller → its directory for this container (several controllers may map to one directory). */
    private final Map<String, Path> dirs;

    CgroupV1(String id, Map<String, Path> dirs) {
        super(id);
        this.dirs = Map.copyOf(dirs);
    }

    /** Creates the directories and writes the limits; on failure removes what it made. */
    static CgroupV1 create(String id, Map<String, Path> mounts, Limits limits) throws IOException {
        String where = "no v1 mount of it in /proc/self/mountinfo";
        require(mounts.keySet(), "memory", limits.limitsMemory(), where);
        require(mounts.keySet(), "cpu", limits.limitsCpu(), where);
        require(mounts.keySet(), "pids", limits.limitsPids(), where);
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (var e : mounts.entrySet()) dirs.put(e.getKey(), e.getValue().resolve(PARENT).resolve(id));
        CgroupV1 cg = new CgroupV1(id, dirs);
        return made(cg, () -> {
            for (Path d : cg.dirs()) {
                if (Files.isDirectory(d)) throw new IOException("cgroup " + d + " exists already (a container of that id runs?)");
                underParent(() -> Files.createDirectories(d));
            }
            cg.writeLimits(limits);
        });
    }

    private void writeLimits(Limits l) throws IOException {
        Path mem = dirs.get("memory"), cpu = dirs.get("cpu"), pids = dirs.get("pids"), devices = dirs.get("devices");
        if (l.limitsMemory()) {
            write(mem.resolve("memory.limit_in_bytes"), Long.toString(l.memory()));
            // memsw exists only with swap accounting; it must not be below the memory limit, so it is written second
            if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes")))
                write(mem.resolve("memory.memsw.limit_in_bytes"), Long.toString(l.memorySwap() == Limits.NONE ? -1 : l.memorySwap()));
        }
        if (l.limitsCpu()) {
            write(cpu.resolve("cpu.cfs_period_us"), Long.toString(l.cpuPeriod()));
            write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(l.cpuQuota()));
        }
        if (l.limitsPids()) write(pids.resolve("pids.max"), Long.toString(l.pids()));
        if (devices != null) {
            write(devices.resolve("devices.deny"), "a");
            for (DeviceRules.Rule r : DeviceRules.ALLOWED) write(devices.resolve("devices.allow"), r.v1());
        }
    }

    @Override
    public List<Path> dirs() {
        return new ArrayList<>(new java.util.LinkedHashSet<>(dirs.values()));
    }

    @Override
    public String version() {
        return "v1";
    }

    /** The directory of one controller, or null. */
    public Path dir(String controller) {
        return dirs.get(controller);
    }

    @Override
    public long oomKills() {
        Path mem = dirs.get("memory");
        return mem == null ? -1 : field(mem.resolve("memory.oom_control"), "oom_kill"); // "oom_kill N" since Linux 4.13
    }

    /** How often the memory limit was hit (memory.failcnt): with a SIGKILL, the sign of an OOM kill on old kernels. */
    public long memoryFailures() {
        Path mem = dirs.get("memory");
        String s = mem == null ? null : read(mem.resolve("memory.failcnt"));
        return s == null ? -1 : Long.parseLong(s.trim());
    }

    @Override
    public long cpuUsageNanos() {
        Path acct = dirs.get("cpuacct");
        String s = acct == null ? null : read(acct.resolve("cpuacct.usage"));
        return s == null ? -1 : Long.parseLong(s.trim());
    }

    @Override
    boolean freeze(boolean frozen) {
        Path f = dirs.get("freezer");
        if (f == null || !Files.isDirectory(f)) return false;
        try {
            write(f.resolve("freezer.state"), frozen ? "FROZEN" : "THAWED");
            long deadline = System.nanoTime() + 1_000_000_000L;
            String want = frozen ? "FROZEN" : "THAWED";
            while (!want.equals(String.valueOf(read(f.resolve("freezer.state"))).trim()) && System.nanoTime() < deadline) sleep(1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    boolean killAtOnce() {
        return false;
    }
}
