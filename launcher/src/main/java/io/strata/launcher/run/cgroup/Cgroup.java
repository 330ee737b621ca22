package io.strata.launcher.run.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One container's cgroup: a directory {@code strata/ID} in each hierarchy it uses (v1: one per controller mount;
 * v2: one). Created with its limits written ({@link Hierarchies#create}); the helper moves the container's first
 * process into {@link #dirs()}; {@link #destroy()} kills whatever is left in it and removes the directories.
 */
public abstract sealed class Cgroup permits CgroupV1, CgroupV2 {
    /** The parent directory of every container cgroup, in each hierarchy. */
    public static final String PARENT = "strata";

    private final String id;

    Cgroup(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The directories, one per hierarchy (what the helper writes the container's pid into). */
    public abstract List<Path> dirs();

    /** "v1" or "v2". */
    public abstract String version();

    /** OOM kills inside it so far; -1 when the kernel does not count them. */
    public abstract long oomKills();

    /** CPU time used by its processes so far, in nanoseconds; -1 when no hierarchy counts it. */
    public abstract long cpuUsageNanos();

    /** Stops every process in it from running (freezer), where the kernel offers that; false if it cannot. */
    abstract boolean freeze(boolean frozen);

    /** Kills every process in it at once where the kernel offers that (v2 cgroup.kill); false if it cannot. */
    abstract boolean killAtOnce();

    /** The processes in it now (every hierarchy's cgroup.procs). */
    public List<Long> pids() {
        TreeSet<Long> out = new TreeSet<>();
        for (Path d : dirs()) out.addAll(readPids(d));
        return new ArrayList<>(out);
    }

    /** Whether any of its directories still exists. */
    public boolean exists() {
        for (Path d : dirs()) if (Files.isDirectory(d)) return true;
        return false;
    }

    /**
     * Kills every process left in it (frozen first where possible, so nothing forks meanwhile; retried until the
     * cgroup is empty), then removes its directories. Idempotent; throws if a directory could not go within ~10 s.
     */
    public void destroy() throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int round = 0; ; round++) {
            List<Long> pids = pids();
            if (pids.isEmpty()) break;
            if (System.nanoTime() > deadline) throw new IOException("cgroup " + id + ": processes " + pids + " survive SIGKILL");
            if (!killAtOnce()) {
                boolean frozen = freeze(true);
                for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                if (frozen) freeze(false);
            }
            sleep(Math.min(50, 1 + round * 5L));
        }
        for (Path d : dirs()) {
            while (Files.isDirectory(d)) {
                try {
                    Files.delete(d);
                } catch (NoSuchFileException gone) {
                    break;
                } catch (IOException busy) { // a killed process leaves its cgroup a moment after it dies
                    if (System.nanoTime() > deadline) throw new IOException("cannot remove cgroup " + d + ": " + busy.getMessage(), busy);
                    for (long pid : readPids(d)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    sleep(10);
                }
            }
            removeParentIfEmpty(d.getParent());
        }
    }

    /** rmdir of the strata parent: the kernel refuses it (EBUSY) while another container's cgroup is in it. */
    private static void removeParentIfEmpty(Path parent) {
        if (parent == null || !parent.getFileName().toString().equals(PARENT)) return;
        try {
            Files.deleteIfExists(parent);
        } catch (IOException inUse) {
            // another container's cgroup is in it: the last one out removes it
        }
    }

    /** What is done again when a concurrent {@link #destroy} removed the strata parent midway. */
    interface Mkdir {
        void run() throws IOException;
    }

    /**
     * Runs mkdir (which creates the strata parent as needed, then the container's directory) again when the parent
     * went between the two steps: another container's destroy removed it as empty.
     */
    static void underParent(Mkdir mkdir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                mkdir.run();
                return;
            } catch (IOException e) {
                boolean parentGone = e instanceof NoSuchFileException || e.getCause() instanceof NoSuchFileException;
                if (!parentGone || attempt == 5) throw e;
            }
        }
    }

    /** What makes a cgroup: its directories and limits. */
    interface Setup {
        void run() throws IOException;
    }

    /** Runs setup for cg; when it fails, removes what it made (killing nothing: nothing runs in it yet) and rethrows. */
    static <T extends Cgroup> T made(T cg, Setup setup) throws IOException {
        try {
            setup.run();
            return cg;
        } catch (IOException | RuntimeException e) {
            try {
                cg.destroy();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** An IOException when a limit needs a controller the hierarchy does not offer (where: version and a hint). */
    static void require(java.util.Set<String> available, String controller, boolean needed, String where) throws IOException {
        if (needed && !available.contains(controller))
            throw new IOException("cgroup controller '" + controller + "' is not available: " + where);
    }

    static List<Long> readPids(Path dir) {
        List<Long> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(dir.resolve("cgroup.procs"))) if (!l.isBlank()) out.add(Long.parseLong(l.trim()));
        } catch (IOException | NumberFormatException e) {
            // gone (or going): nothing in it
        }
        return out;
    }

    static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value); // one write(2): cgroupfs takes a value per write
        } catch (IOException e) {
            throw new IOException("writing " + value.trim() + " to " + file + ": " + e.getMessage(), e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }

    /** The number after {@code key} in a "key value" per line file (memory.events, cpu.stat, oom_control), or -1. */
    static long field(Path file, String key) {
        String s = read(file);
        if (s == null) return -1;
        for (String l : s.split("\n")) {
            String[] kv = l.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) {
                try {
                    return Long.parseLong(kv[1]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
