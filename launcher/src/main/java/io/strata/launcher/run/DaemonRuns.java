package io.strata.launcher.run;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.fuse.MountTable;
import io.strata.launcher.run.cgroup.Cgroup;
import io.strata.launcher.run.cgroup.CgroupV1;
import io.strata.launcher.run.cgroup.Hierarchies;
import io.strata.launcher.store.DaemonMounts;
import io.strata.store.block.BlockStore;
import io.strata.store.daemon.ContainerRuns;
import io.strata.store.oci.ImageStore;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store daemon's side of {@code strata run}: it owns what a run holds on the host — the rootfs mount (served by
 * this JVM), the cgroup, the runtime dir — so that one process cleans up after every run, however it ends: the CLI
 * reports the end (run-end), or the run's owner disappears (a foreground CLI killed with SIGKILL, a detached run's
 * shim that exited), or the daemon itself stops, or a daemon that was killed left runs behind (found at the next
 * start). Requests:
 * <pre>
 *   run-start STATE-JSON     mount the container at RUNDIR/rootfs, create its cgroup with the limits; answers
 *                            "dir RUNDIR" and "cgroup DIR" lines (the owner in the JSON is the calling CLI)
 *   run-detach NAME PID      the helper detached: PID is the container; its parent, the shim, owns the run now
 *   run-end NAME STATUS      the foreground run ended: clean up; answers "oom N" (OOM kills counted in its cgroup)
 *   run-signal NAME SIG      kill(2) the container's pid 1
 *   run-stop NAME SECONDS    SIGTERM, then SIGKILL to everything in its cgroup after SECONDS; returns once cleaned up
 *   run-info NAME            the state of a live run (pid, cgroup dirs: what exec needs)
 *   run-client PID CWD N ARG… ENV…   a native client's {@code strata run ARG…}, parsed and prepared here
 *                            ({@link ClientRuns}): answers what the client prints and exits with, or the helper to run
 * </pre>
 */
public final class DaemonRuns implements ContainerRuns {
    /** How often owners are checked: the bound on how long a killed CLI's container outlives it. */
    private static final long REAP_MILLIS = 100;
    /** The status recorded when a run's owner vanished without one: its container was killed with SIGKILL. */
    private static final int KILLED = 137;

    private final Path storeDir;
    private final DaemonMounts mounts;
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private volatile BlockStore store;
    private volatile Requests requests;
    private volatile Hierarchies hierarchies;
    private Thread reaper;

    /** A live run: its state (rewritten as it changes) and cgroup; ended once cleaned up. */
    private static final class Live {
        volatile RunState state;
        final Cgroup cgroup;
        boolean ended;
        long oom;
        List<String> endPhases = List.of();

        Live(RunState state, Cgroup cgroup) {
            this.state = state;
            this.cgroup = cgroup;
        }
    }

    public DaemonRuns(Path storeDir, DaemonMounts mounts) {
        this.storeDir = storeDir.toAbsolutePath().normalize();
        this.mounts = mounts;
    }

    private Hierarchies hierarchies() {
        if (hierarchies == null) hierarchies = Hierarchies.detect();
        return hierarchies;
    }

    @Override
    public void open(BlockStore store, Requests requests) {
        this.store = store;
        this.requests = requests;
        recover();
        reaper = new Thread(this::reapLoop, "strata-run-reaper");
        reaper.setDaemon(true);
        reaper.start();
        Thread warm = new Thread(() -> ClientRuns.warmUp(requests), "strata-run-warm-up");
        warm.setDaemon(true);
        warm.start();
    }

    @Override
    public List<String> handle(List<String> a) throws FsException {
        String verb = a.get(0);
        switch (verb) {
            case "run-start" -> {
                need(a, 2);
                return start(RunState.parse(a.get(1)));
            }
            case "run-client" -> {
                return ClientRuns.serve(storeDir, requests, a);
            }
            case "run-detach" -> {
                need(a, 3);
                detach(liveRun(a.get(1)), Long.parseLong(a.get(2)));
                return List.of();
            }
            case "run-end" -> {
                need(a, 3);
                Live l = live.get(a.get(1));
                long oom = l == null ? lastOom(a.get(1)) : cleanup(l, Integer.parseInt(a.get(2)));
                List<String> out = new ArrayList<>(List.of("oom\t" + oom));
                if (l != null) out.addAll(l.endPhases);
                return out;
            }
            case "run-signal" -> {
                need(a, 3);
                signal(liveRun(a.get(1)), a.get(2));
                return List.of();
            }
            case "run-stop" -> {
                need(a, 3);
                Live l = live.get(a.get(1));
                if (l == null) {
                    if (store.containers().stream().noneMatch(c -> c.name().equals(a.get(1))))
                        throw new FsException(Errno.ENOENT, "no container " + a.get(1));
                    return List.of();
                }
                stop(l, Integer.parseInt(a.get(2)));
                return List.of();
            }
            case "run-info" -> {
                need(a, 2);
                Live l = liveRun(a.get(1));
                RunState s = l.state;
                return List.of(s.withOwner(s.owner(), s.detached(), pidOf(l)).json());
            }
            default -> throw new FsException(Errno.EINVAL, "unknown request '" + verb + "'");
        }
    }

    private static void need(List<String> a, int n) throws FsException {
        if (a.size() < n) throw new FsException(Errno.EINVAL, "'" + a.get(0) + "' needs " + (n - 1) + " argument(s)");
    }

    private Live liveRun(String name) throws FsException {
        Live l = live.get(name);
        if (l == null) throw new FsException(Errno.ESRCH, "container " + name + " is not running");
        return l;
    }

    // ---- start ----

    private synchronized List<String> start(RunState req) throws FsException {
        String name = req.container();
        store.container(name); // ENOENT
        if (live.containsKey(name)) throw new FsException(Errno.EBUSY, "container " + name + " is already running");
        RunDir d = RunDir.of(storeDir, name);
        String id = RunDir.cgroupId(storeDir, name);
        Cgroup cg = null;
        boolean mounted = false;
        Phases phases = new Phases("daemon");
        try {
            clearLeftovers(d, id);
            phases.end("leftovers");
            d.create();
            phases.end("rundir");
            cg = hierarchies().create(id, req.limits());
            phases.end("cgroup");
            mounts.mount(store, name, null, d.rootfs(), req.uidMapping());
            mounted = true;
            phases.end("mount");
            List<String> dirs = cg.dirs().stream().map(Path::toString).toList();
            RunState s = new RunState(name, d.dir().toString(), id, req.ownerPid(), req.ownerStart(), false, req.rm(), 0,
                    RunState.RUNNING, -1, 0, 0, req.limits(), req.memoryText(), 0, req.uidMapping(), dirs).started(dirs);
            s.write();
            live.put(name, new Live(s, cg));
            phases.end("state");
            List<String> out = new ArrayList<>(List.of("dir\t" + d.dir()));
            for (String dir : dirs) out.add("cgroup\t" + dir);
            out.addAll(phases.lines());
            return out;
        } catch (IOException | RuntimeException | FsException e) {
            if (mounted) mounts.unmount(d.rootfs());
            if (cg != null) destroyQuietly(cg);
            deleteRunDir(d);
            if (e instanceof FsException f) throw f;
            throw new FsException(Errno.EIO, "cannot start container " + name + ": " + e.getMessage());
        }
    }

    /** What an earlier run of this container may have left (a daemon killed mid-run, a crash during a start). */
    private void clearLeftovers(RunDir d, String id) throws IOException {
        if (MountTable.isMounted(d.rootfs())) mounts.unmount(d.rootfs());
        Cgroup old = hierarchies().open(id);
        if (old.exists()) old.destroy();
        deleteRunDir(d);
    }

    // ---- detach, signals, stop ----

    private void detach(Live l, long containerPid) throws FsException {
        long shim = Procs.parent(containerPid);
        // the shim owns the run from now on; if the container is gone already, its exit file says how it ended
        Procs.Id owner = shim > 1 ? Procs.of(shim) : new Procs.Id(-1, -1);
        synchronized (l) {
            if (l.ended) return;
            l.state = l.state.withOwner(owner, true, containerPid);
            write(l.state);
        }
    }

    private long pidOf(Live l) {
        long pid = l.state.pid();
        return pid > 0 ? pid : l.state.dir().pid();
    }

    private void signal(Live l, String sig) throws FsException {
        int n;
        try {
            n = Signals.number(sig);
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, e.getMessage());
        }
        long pid = pidOf(l);
        if (pid <= 0) throw new FsException(Errno.EAGAIN, "container " + l.state.container() + " is starting");
        if (!Signals.kill(pid, n)) throw new FsException(Errno.ESRCH, "container " + l.state.container() + " is not running");
    }

    /** docker stop: SIGTERM to pid 1; after the grace time SIGKILL to everything in the cgroup; returns once it ended. */
    private void stop(Live l, int seconds) {
        Signals.kill(pidOf(l), Signals.number("TERM"));
        if (!awaitEnd(l, seconds * 1000L)) {
            for (long pid : l.cgroup.pids()) Signals.kill(pid, Signals.number("KILL"));
            if (!awaitEnd(l, 10_000)) cleanup(l, KILLED); // the owner did not notice: clean up for it
        }
    }

    private static boolean awaitEnd(Live l, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            synchronized (l) {
                if (l.ended) return true;
            }
            if (System.nanoTime() > deadline) return false;
            sleep(20);
        }
    }

    // ---- the end of a run ----

    /**
     * Cleans up after a run (once; later calls answer the same): reads its OOM count, destroys its cgroup (killing
     * whatever is left), unmounts its rootfs, removes the container (--rm) or records how it ended, and removes the
     * runtime dir except state.json and a detached run's log. Returns the OOM kills.
     */
    private long cleanup(Live l, Integer status) {
        synchronized (l) {
            if (l.ended) return l.oom;
            Phases phases = new Phases("end");
            RunState s = l.state;
            RunDir d = s.dir();
            Integer shimSaid = d.exitStatus();
            int code = status != null ? status : shimSaid != null ? shimSaid : KILLED;
            long oom = l.cgroup.oomKills();
            if (oom < 0 && l.cgroup instanceof CgroupV1 v1 && code == KILLED && v1.memoryFailures() > 0) oom = 1;
            oom = Math.max(0, oom);
            long pid = pidOf(l);
            phases.end("oom");
            destroyQuietly(l.cgroup);
            phases.end("cgroup");
            if (!mounts.unmount(d.rootfs())) System.err.println("strata daemon: " + s.container() + ": rootfs would not unmount: " + d.rootfs());
            phases.end("unmount");
            if (s.rm()) {
                deleteRunDir(d);
                try {
                    store.removeContainer(s.container());
                    new ImageStore(storeDir).dropUse(s.container());
                } catch (FsException | RuntimeException e) {
                    System.err.println("strata daemon: --rm " + s.container() + ": " + e.getMessage());
                }
            } else {
                RunState ended = s.exited(code, oom, pid);
                keepOnly(d, ended.detached() ? List.of("state.json", "log", "exit") : List.of("state.json"));
                write(ended);
                l.state = ended;
            }
            phases.end(s.rm() ? "rm" : "state");
            l.endPhases = phases.lines();
            l.oom = oom;
            l.ended = true;
            live.remove(s.container(), l);
            return oom;
        }
    }

    private long lastOom(String name) {
        RunState s = RunState.read(RunDir.of(storeDir, name));
        return s == null ? 0 : s.oomKills();
    }

    private void reapLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            for (Live l : live.values()) {
                RunState s = l.state;
                Integer shimSaid = s.detached() ? s.dir().exitStatus() : null;
                if (shimSaid != null || !s.owner().alive()) {
                    try {
                        cleanup(l, shimSaid);
                    } catch (RuntimeException e) {
                        System.err.println("strata daemon: cleaning up after " + s.container() + ": " + e);
                    }
                }
            }
            try {
                Thread.sleep(REAP_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs a previous daemon left: their rootfs mount died with it, so their containers are stopped and cleaned up. */
    private void recover() {
        Path dir = RunDir.storeDir(storeDir);
        if (!Files.isDirectory(dir)) return;
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                RunDir d = new RunDir(p);
                RunState st = RunState.read(d);
                if (st != null && !st.running()) continue;
                String name = d.container();
                try {
                    Cgroup cg = hierarchies().open(RunDir.cgroupId(storeDir, name));
                    Live l = new Live(st != null ? st : new RunState(name, p.toString(), cg.id(), 0, -1, false, false, 0,
                            RunState.RUNNING, -1, 0, 0, null, null, 0, null, List.of()), cg);
                    cleanup(l, null);
                } catch (RuntimeException e) {
                    System.err.println("strata daemon: cleaning up what a previous daemon left of " + name + ": " + e);
                }
            }
        } catch (IOException e) {
            System.err.println("strata daemon: reading " + dir + ": " + e.getMessage());
        }
    }

    // ---- ps, rm, close ----

    @Override
    public String status(String container) {
        Live l = live.get(container);
        if (l != null) return "Up " + human(System.currentTimeMillis() - l.state.startedMillis());
        RunState s = RunState.read(RunDir.of(storeDir, container));
        if (s == null || s.running()) return "Created";
        return "Exited (" + s.exitCode() + ") " + human(System.currentTimeMillis() - s.finishedMillis()) + " ago";
    }

    static String human(long millis) {
        Duration d = Duration.ofMillis(Math.max(0, millis));
        if (d.toSeconds() < 60) return d.toSeconds() + " seconds";
        if (d.toMinutes() < 60) return d.toMinutes() + " minutes";
        if (d.toHours() < 48) return d.toHours() + " hours";
        return d.toDays() + " days";
    }

    @Override
    public void remove(String container) throws FsException {
        if (live.containsKey(container))
            throw new FsException(Errno.EBUSY, "container " + container + " is running (strata stop " + container + ")");
        deleteRunDir(RunDir.of(storeDir, container));
    }

    @Override
    public int active() {
        return live.size();
    }

    @Override
    public void close() {
        if (reaper != null) reaper.interrupt();
        for (Live l : live.values()) cleanup(l, null);
    }

    // ---- files ----

    private static void write(RunState s) {
        try {
            s.write();
        } catch (IOException e) {
            System.err.println("strata daemon: writing " + s.dir().state() + ": " + e.getMessage());
        }
    }

    private static void destroyQuietly(Cgroup cg) {
        try {
            cg.destroy();
        } catch (IOException e) {
            System.err.println("strata daemon: " + e.getMessage());
        }
    }

    /**
     * Removes a runtime dir without ever descending into rootfs/ (a mount there is the container's data): rootfs/ is
     * removed with rmdir only, which fails on anything but an empty, unmounted directory.
     */
    static void deleteRunDir(RunDir d) {
        keepOnly(d, List.of());
        try {
            Files.deleteIfExists(d.dir());
            Files.deleteIfExists(d.dir().getParent()); // the store's runs dir, when this was its last
        } catch (DirectoryNotEmptyException others) {
            // other containers of the store keep it
        } catch (IOException e) {
            System.err.println("strata daemon: cannot remove " + d.dir() + ": " + e.getMessage());
        }
    }

    private static void keepOnly(RunDir d, List<String> keep) {
        if (!Files.isDirectory(d.dir())) return;
        try (var s = Files.list(d.dir())) {
            for (Path p : s.toList()) {
                if (keep.contains(p.getFileName().toString())) continue;
                try {
                    if (p.equals(d.rootfs()) && MountTable.isMounted(p)) continue;
                    Files.delete(p); // a file, or rmdir
                } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                    // rootfs with something in it (not ours to delete), or gone already
                } catch (IOException e) {
                    System.err.println("strata daemon: cannot remove " + p + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            System.err.println("strata daemon: reading " + d.dir() + ": " + e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
