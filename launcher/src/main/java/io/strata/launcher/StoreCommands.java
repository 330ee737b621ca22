package io.strata.launcher;

import io.strata.store.Trees;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.daemon.Protocol;
import io.strata.store.daemon.StoreClient;
import io.strata.store.daemon.StoreDaemon;
import io.strata.store.daemon.StoreRoot;
import io.strata.store.oci.ImageCommit;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.store.oci.Reference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The block store's commands. Each is a request to the store's daemon ({@code strata daemon}, the one process
 * that owns the store's RocksDB), started on demand when none answers.
 */
public final class StoreCommands {
    private StoreCommands() {
    }

    /** A client of the store's daemon, which is started if none answers. */
    public static StoreClient daemon(StoreRoot root) throws Exception {
        StoreClient client = new StoreClient(root);
        if (!client.reachable()) startDaemon(root);
        return client;
    }

    /** A request that must succeed: its lines, or a UserError with the daemon's message. */
    public static List<String> call(StoreClient client, String... args) throws java.io.IOException {
        Protocol.Response r = client.call(List.of(args));
        if (!r.ok()) throw new UserError(r.message());
        return r.lines();
    }

    /** Requests to a store's daemon that must succeed: over its socket, or served in the daemon's own process. */
    @FunctionalInterface
    public interface Requests {
        List<String> call(String... args) throws Exception;
    }

    /** Requests over the socket of root's daemon, which is started at the first request if none answers. */
    public static Requests requests(StoreRoot root) {
        StoreClient[] client = {null};
        return args -> {
            if (client[0] == null) client[0] = daemon(root);
            return call(client[0], args);
        };
    }

    public static void createOnImage(StoreRoot root, String name, io.strata.store.oci.ImageRecord image) throws Exception {
        createOnImage(root, name, image, args -> call(daemon(root), args));
    }

    /**
     * Creates block-store container name with image's layers as its lowers. The use is recorded first (no moment
     * where the container exists and the image can go) and dropped again if the create fails.
     */
    public static void createOnImage(StoreRoot root, String name, io.strata.store.oci.ImageRecord image, Requests daemon)
            throws Exception {
        var images = new io.strata.store.oci.ImageStore(root.dir());
        String lowerdirs = String.join(":", images.lowerDirsTopFirst(image).stream().map(Path::toString).toList());
        String previous = images.useOf(name); // a container of that name (create will refuse it) keeps its record
        images.recordUse(name, image.id());
        try {
            daemon.call("create", name, lowerdirs);
        } catch (Exception | Error e) {
            if (previous == null) images.dropUse(name);
            else images.recordUse(name, previous);
            throw e;
        }
    }

    /** --store, shared by every store command. */
    abstract static class StoreOption {
        @Option(names = "--store", paramLabel = "DIR", description = "Store root (default: $STRATA_STORE, else /var/lib/strata).")
        Path store;

        StoreRoot root() {
            return StoreRoot.resolve(store);
        }

        /** Sends a request (starting the daemon if needed), prints its lines, fails with its error. */
        int request(String... args) throws Exception {
            Protocol.Response r = daemon(root()).call(List.of(args));
            for (String line : r.lines()) System.out.println(line);
            if (!r.ok()) throw new UserError(r.message());
            return 0;
        }
    }

    /** A request to the daemon of the store at dir (null: the default), for commands outside this class. */
    static int requestTo(Path dir, String... args) throws Exception {
        StoreOption o = new StoreOption() {
        };
        o.store = dir;
        return o.request(args);
    }

    /**
     * The store daemon's JVM, chosen by measurement for its peak RSS (target ≤ 200 MB) without costing CPU
     * (benchmarks/RESULTS-store.md, sessions 6 and 7): a small heap (the data lives in RocksDB's native cache, not the
     * heap), the serial collector, C1 only with one compiler thread, and bounded code cache and metaspace. What the
     * heap holds for good is per name the kernel knows (its FUSE node, ~0.4 KiB) and the lookup cache (~0.4 KiB a
     * path): the cache is held to 20k paths, so that after a 70k-entry walk the heap is not all live (with 200k it was,
     * and a 1 GiB write then ran one full collection after another). The heap starts at 72 MiB and grows only when
     * what stays live needs it (at most 20% free after a full collection): a fixed 72 MiB ran out in a walk of 170k
     * names and left the container's mount hanging. Should it still run out, the daemon exits (its mounts answer
     * ENOTCONN) rather than hang. $STRATA_DAEMON_JVM_OPTS is appended (a later flag wins).
     */
    public static final List<String> DAEMON_JVM_FLAGS = io.strata.launcher.Daemon.concat(List.of("-Xms72m", "-Xmx1g", "-Xmn12m"),
            io.strata.launcher.Daemon.HEAP_GROWS_AS_NEEDED, List.of("-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=48m",
                    "-Dstrata.lookup.cacheMax=20000"));
    /**
     * glibc's malloc arenas (up to 8 per core) each keep freed native memory of RocksDB's threads: two hold the
     * daemon's RSS lower at the same CPU. The caller's own MALLOC_ARENA_MAX wins.
     */
    static final String DAEMON_MALLOC_ARENAS = "2";
    /**
     * jemalloc (Debian's libjemalloc2), preloaded into the daemon when installed: RocksDB's threads free what they
     * allocated (memtables, blocks read) back to it instead of leaving it fragmented in glibc's heaps. The caller's
     * own LD_PRELOAD wins (an empty one: glibc's malloc). Its background thread returns freed pages after 1 s.
     */
    public static final List<Path> DAEMON_JEMALLOC = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
            Path.of("/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"));
    public static final String DAEMON_JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:1000";

    static void startDaemon(StoreRoot root) throws Exception {
        root.create();
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.add(java);
        cmd.addAll(DAEMON_JVM_FLAGS);
        String extra = System.getenv("STRATA_DAEMON_JVM_OPTS");
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "daemon",
                "--store", root.dir().toString()));
        Path log = root.dir().resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", DAEMON_MALLOC_ARENAS);
        DAEMON_JEMALLOC.stream().filter(Files::isReadable).findFirst()
                .ifPresent(lib -> pb.environment().putIfAbsent("LD_PRELOAD", lib.toString()));
        pb.environment().putIfAbsent("MALLOC_CONF", DAEMON_JEMALLOC_CONF);
        Process p = pb.start();
        StoreClient client = new StoreClient(root);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (client.reachable()) return;
            if (!p.isAlive()) break;
            Thread.sleep(20);
        }
        throw new UserError("the strata daemon for " + root.dir() + " did not start; see " + log);
    }

    @Command(name = "daemon", description = "Serve a block store (started on demand by the store commands; 'daemon stop' stops it).")
    static final class Daemon extends StoreOption implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "stop", description = "'stop': stop the running daemon.")
        String action;

        @Option(names = "--idle-exit", paramLabel = "SECONDS", description = "Exit after this long without requests (0: never; default 600).")
        int idle = 600;

        @Override
        public Integer call() throws Exception {
            if ("stop".equals(action)) {
                StoreClient c = new StoreClient(root());
                if (!c.reachable()) throw new UserError("no strata daemon serves " + root().dir());
                c.call(List.of("stop"));
                // returns once the daemon has closed the store (it removes its socket last)
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (Files.exists(root().socket()) && System.nanoTime() < deadline) Thread.sleep(20);
                if (Files.exists(root().socket())) throw new UserError("the strata daemon did not stop within 60 s");
                return 0;
            }
            if (action != null) throw new UserError("unknown daemon action '" + action + "'");
            var mounts = new io.strata.launcher.store.DaemonMounts(root().dir());
            try (StoreDaemon d = new StoreDaemon(root(), MemoryBudget.DEFAULT, idle, mounts,
                    new io.strata.launcher.run.DaemonRuns(root().dir(), mounts))) {
                d.serve();
            }
            return 0;
        }
    }

    @Command(name = "create", description = "Create a container: an image's layers (or --lowerdir) and a writable block layer, or a clone of a snapshot.")
    static final class Create extends StoreOption implements Callable<Integer> {
        @Option(names = "--name", required = true) String name;
        @Option(names = "--lowerdir", paramLabel = "L1:L2", description = "Lower directories, top first.") String lowerdirs = "";
        @Option(names = "--from", paramLabel = "C@SNAP", description = "Clone of this snapshot.") String from;
        @Parameters(arity = "0..1", paramLabel = "IMAGE", description = "An imported image (strata image import): its layers are the lowers.") String image;

        @Override
        public Integer call() throws Exception {
            if (from != null) {
                if (image != null || !lowerdirs.isEmpty()) throw new UserError("--from takes neither an image nor --lowerdir");
                return request("clone", from, name);
            }
            if (image != null) {
                if (!lowerdirs.isEmpty()) throw new UserError("give an image or --lowerdir, not both");
                var rec = new io.strata.store.oci.ImageStore(root().dir()).find(image);
                createOnImage(root(), name, rec);
                System.out.println(name);
                return 0;
            }
            return request("create", name, lowerdirs);
        }
    }

    @Command(name = "ps", description = "List containers: name, status (Up …, Exited (N) … ago, Created), snapshots, created, lowers.")
    static final class Ps extends StoreOption implements Callable<Integer> {
        @Option(names = "-a", description = "All containers (accepted for docker's sake: every container is always listed).") boolean all;

        @Override
        public Integer call() throws Exception {
            return request("ps");
        }
    }

    @Command(name = "snapshot", description = "Snapshots of a container.",
            subcommands = {SnapshotCreate.class, SnapshotLs.class, SnapshotRestore.class, SnapshotRm.class})
    static final class Snapshot implements Runnable {
        @Override
        public void run() {
            throw new UserError("snapshot needs one of: create, ls, restore, rm");
        }
    }

    @Command(name = "create", description = "Take a snapshot (O(1); allowed while the container runs).")
    static final class SnapshotCreate extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0") String container;
        @Parameters(index = "1") String snap;

        @Override
        public Integer call() throws Exception {
            return request("snapshot-create", container, snap);
        }
    }

    @Command(name = "ls", description = "List a container's snapshots.")
    static final class SnapshotLs extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0") String container;

        @Override
        public Integer call() throws Exception {
            return request("snapshot-ls", container);
        }
    }

    @Command(name = "restore", description = "Put the container back to exactly that snapshot.")
    static final class SnapshotRestore extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0") String container;
        @Parameters(index = "1") String snap;

        @Override
        public Integer call() throws Exception {
            return request("snapshot-restore", container, snap);
        }
    }

    @Command(name = "rm", description = "Remove a snapshot.")
    static final class SnapshotRm extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0") String container;
        @Parameters(index = "1") String snap;

        @Override
        public Integer call() throws Exception {
            return request("snapshot-rm", container, snap);
        }
    }

    @Command(name = "diff", description = "Added/changed/deleted paths: of C's layer, or from C@S1 to C@S2 (or C).")
    static final class Diff extends StoreOption implements Callable<Integer> {
        @Parameters(arity = "1..2") List<String> points;

        @Override
        public Integer call() throws Exception {
            return points.size() == 1 ? request("diff", points.get(0)) : request("diff", points.get(0), points.get(1));
        }
    }

    @Command(name = "commit", description = "A container's changes (now, or at C@SNAP) as a new OCI layer on its image: a new image.")
    static final class Commit extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "C[@SNAP]") String point;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME[:TAG]") String ref;
        @Option(names = {"-m", "--message"}) String message;

        @Override
        public Integer call() throws Exception {
            String container = point.contains("@") ? point.substring(0, point.indexOf('@')) : point;
            ImageStore images = new ImageStore(root().dir());
            String imageId = images.useOf(container);
            if (imageId == null)
                throw new UserError("container " + container + " was not created from an image (strata create IMAGE): nothing to commit onto");
            String newName = ref == null ? null : Reference.parse(ref).toString();
            Long epoch = ImageCommit.sourceDateEpoch();
            StoreClient client = new StoreClient(root());
            if (!client.reachable()) startDaemon(root());
            ImageRecord r;
            try (ImageStore.Lock l = images.lock()) {
                ImageRecord base = images.find(imageId);
                Path tmp = ImageCommit.newLayerDir(images);
                try {
                    Protocol.Response resp = client.call(List.of("changes", point, tmp.resolve("diff").toString(),
                            epoch == null ? "" : epoch.toString()));
                    if (!resp.ok()) throw new UserError("commit of " + point + ": " + resp.message());
                    r = ImageCommit.addLayer(images, base, tmp, "strata commit " + point, newName, message);
                } finally {
                    Trees.delete(tmp); // gone already when the layer was added
                }
            }
            System.out.println("sha256:" + r.id());
            return 0;
        }
    }

    @Command(name = "df", description = "Bytes per container and snapshot: exclusive and shared (from counters, no walk).")
    static final class Df extends StoreOption implements Callable<Integer> {
        @Option(names = "--dedup", description = "Instead: what deduplication of identical 4 KiB pages would save "
                + "(reads every page the store holds, as zdb -S; lines: KIND PAGES BYTES)")
        boolean dedup;

        @Override
        public Integer call() throws Exception {
            return request(dedup ? "df-dedup" : "df");
        }
    }

    @Command(name = "rm", description = "Remove a container and its snapshots (clones keep what they use).")
    static final class Rm extends StoreOption implements Callable<Integer> {
        @Parameters(index = "0") String container;

        @Override
        public Integer call() throws Exception {
            int rc = request("rm", container);
            new io.strata.store.oci.ImageStore(root().dir()).dropUse(container); // its image may go now
            return rc;
        }
    }

    @Command(name = "gc", description = "Free blocks nothing references and compact what was dropped.")
    static final class Gc extends StoreOption implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return request("gc");
        }
    }
}
