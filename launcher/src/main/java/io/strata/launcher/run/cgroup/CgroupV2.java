package io.strata.launcher.run.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A container cgroup on the unified hierarchy: one directory {@code ROOT/strata/ID}. The controllers it needs are
 * enabled in {@code cgroup.subtree_control} of ROOT and ROOT/strata first (the root cgroup and strata/ hold no
 * processes, so v2's "no internal processes" rule allows it). Limits: memory.max, memory.swap.max (swap only: docker's
 * --memory-swap minus --memory), cpu.max ("QUOTA PERIOD"), pids.max.
 */
public final class CgroupV2 extends Cgroup {
    private final Path dir;

    CgroupV2(String id, Path dir) {
        super(id);
        this.dir = dir;
    }

    static CgroupV2 create(String id, Path root, Set<String> available, Limits limits) throws IOException {
        String where = "not in the v2 root's cgroup.controllers";
        require(available, "memory", limits.limitsMemory(), where);
        require(available, "cpu", limits.limitsCpu(), where);
        require(available, "pids", limits.limitsPids(), where);
        Path parent = root.resolve(PARENT), dir = parent.resolve(id);
        if (Files.isDirectory(dir)) throw new IOException("cgroup " + dir + " exists already (a container of that id runs?)");
        underParent(() -> {
            Files.createDirectories(parent);
            for (String c : List.of("memory", "cpu", "pids")) {
                if (!available.contains(c)) continue;
                enable(root, c);
                enable(parent, c);
            }
            Files.createDirectory(dir);
        });
        return made(new CgroupV2(id, dir), () -> {
            if (limits.limitsMemory()) {
                write(dir.resolve("memory.max"), Long.toString(limits.memory()));
                if (Files.exists(dir.resolve("memory.swap.max")))
                    write(dir.resolve("memory.swap.max"), limits.memorySwap() == Limits.NONE ? "max"
                            : Long.toString(limits.memorySwap() - limits.memory()));
            }
            if (limits.limitsCpu()) write(dir.resolve("cpu.max"), limits.cpuQuota() + " " + limits.cpuPeriod());
            if (limits.limitsPids()) write(dir.resolve("pids.max"), Long.toString(limits.pids()));
        });
    }

    private static void enable(Path cgroup, String controller) throws IOException {
        String now = read(cgroup.resolve("cgroup.subtree_control"));
        if (now != null && List.of(now.trim().split("\\s+")).contains(controller)) return;
        write(cgroup.resolve("cgroup.subtree_control"), "+" + controller);
    }

    @Override
    public List<Path> dirs() {
        return List.of(dir);
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public long oomKills() {
        return field(dir.resolve("memory.events"), "oom_kill");
    }

    @Override
    public long cpuUsageNanos() {
        long us = field(dir.resolve("cpu.stat"), "usage_usec");
        return us < 0 ? -1 : us * 1000;
    }

    @Override
    boolean freeze(boolean frozen) {
        if (!Files.exists(dir.resolve("cgroup.freeze"))) return false;
        try {
            write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (field(dir.resolve("cgroup.events"), "frozen") != (frozen ? 1 : 0) && System.nanoTime() < deadline) sleep(1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    boolean killAtOnce() {
        if (!Files.exists(dir.resolve("cgroup.kill"))) return false; // Linux 5.14+
        try {
            write(dir.resolve("cgroup.kill"), "1");
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
