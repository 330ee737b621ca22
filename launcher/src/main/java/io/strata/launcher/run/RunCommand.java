package io.strata.launcher.run;

import io.strata.launcher.StoreCommands;
import io.strata.launcher.UserError;
import io.strata.launcher.run.cgroup.Limits;
import io.strata.launcher.run.spec.EtcFiles;
import io.strata.launcher.run.spec.ImageConfig;
import io.strata.launcher.run.spec.OciSpec;
import io.strata.launcher.run.spec.Rootfs;
import io.strata.launcher.run.spec.RunOptions;
import io.strata.launcher.run.spec.Users;
import io.strata.store.StoreException;
import io.strata.store.daemon.StoreRoot;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code strata run [OPTIONS] IMAGE|CONTAINER [CMD [ARG…]]}: docker run on a Strata store. An image gets a new
 * block-store container (a writable layer on the image's layers); an existing container runs again on its own
 * writable layer. The store daemon mounts it at RUNDIR/rootfs and creates its cgroup ({@link DaemonRuns}); this
 * writes the OCI bundle and runs strata-nsexec, in the foreground on this terminal, or detached (-d). The exit status
 * is the command's (docker's 125/126/127 and 128+N conventions), 125 for strata's own errors.
 */
@Command(name = "run", sortOptions = false, description = {"Run a command in a new container from an image, or in an existing container.",
        "Options stop at IMAGE|CONTAINER: what follows is the command and its arguments."})
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ProcessFlags f = new ProcessFlags();
    @Option(names = "--rm", description = "Remove the container when it exits.")
    boolean rm;
    @Option(names = "--name", paramLabel = "NAME", description = "Name of the new container (default: generated).")
    String name;
    @Option(names = {"-d", "--detach"}, description = "Run in the background, print the container's name (strata logs, ps, stop).")
    boolean detach;
    @Option(names = {"-h", "--hostname"}, paramLabel = "NAME", description = "Hostname (default: the container's name).")
    String hostname;
    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit (64m, 1g, …).")
    String memory;
    @Option(names = "--memory-swap", paramLabel = "SIZE", description = "Memory plus swap (-1: unlimited swap; default: twice --memory).")
    String memorySwap;
    @Option(names = "--cpus", paramLabel = "N", description = "CPUs (0.5 = half of one).")
    String cpus;
    @Option(names = "--pids-limit", paramLabel = "N", description = "Most processes at once (-1: no limit).")
    Long pidsLimit;
    @Option(names = {"--net", "--network"}, paramLabel = "none|host", description = "none: own network namespace with lo only (default); host: the host's.")
    String net;
    @Option(names = "--userns", description = "User namespace: container root is host uid 100000 (ids 0-65535 → 100000-165535).")
    boolean userns;
    @Option(names = "--read-only", description = "Mount the container's root read-only.")
    boolean readOnly;
    @Option(names = "--init", description = "Run a minimal init as pid 1 (reaps zombies, forwards signals).")
    boolean init;
    @Option(names = {"-v", "--volume"}, paramLabel = "HOSTDIR:DIR[:ro]", description = "Bind mount a host directory or file.")
    List<String> volumes = new ArrayList<>();
    @Parameters(index = "0", paramLabel = "IMAGE|CONTAINER", description = "An image (strata image ls) or a container (strata ps).")
    String target;
    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments (default: the image's Entrypoint and Cmd).")
    List<String> command = new ArrayList<>();

    /** What runs: the container (new or existing), the config of its image, and whether this run made it. */
    private record Target(String name, ImageConfig image, boolean created) {
    }

    /**
     * A run made ready by {@link #start}: its container mounted, its cgroups made, its bundle written. What is left is
     * to run the helper (argv) and to report the end (run-end); phases says where the start-up time went.
     */
    record Started(String container, RunDir dir, List<String> helper, boolean detach, boolean interactive, String memory,
                   List<String> phases) {
    }

    /** config.json's writer: made once (the daemon writes a bundle per run; an ObjectMapper is costly to build). */
    private static final com.fasterxml.jackson.databind.ObjectWriter CONFIG_WRITER =
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter();

    /** The native client this daemon serves the run for ({@link ClientRuns}); null: this JVM is the CLI. */
    private final ClientRuns.Client client;

    public RunCommand() {
        this(null);
    }

    RunCommand(ClientRuns.Client client) {
        this.client = client;
    }

    RunOptions options() {
        List<RunOptions.Volume> vols = volumes.stream().map(RunOptions.Volume::parse).toList();
        return new RunOptions(command, f.env, f.workdir, f.user, hostname, f.tty, f.interactive, readOnly, vols,
                RunOptions.Network.parse(net), userns, init, Limits.of(memory, memorySwap, cpus, pidsLimit));
    }

    @Override
    public Integer call() throws Exception {
        if (client != null) { // the daemon prepares, the client runs the helper
            client.started(start());
            return 0;
        }
        StoreCommands.Requests requests = StoreCommands.requests(StoreRoot.resolve(f.store)); // flags checked first
        Started s = start(requests);
        if (Phases.wanted(System.getenv())) Phases.print(s.phases(), System.err);
        int status = 125;
        boolean detached = false;
        try {
            if (detach) {
                status = startDetached(s, requests);
                detached = status == 0;
                if (detached) System.out.println(s.container());
            } else {
                System.out.flush();
                status = Nsexec.foreground(s.helper(), f.interactive);
            }
        } finally {
            if (!detached) {
                long oom = end(requests, s.container(), status);
                if (status == 137 && oom > 0) System.err.println(oomMessage(memory));
            }
        }
        return status;
    }

    /** What strata says after a run its cgroup's OOM killer ended (the client prints the same). */
    static String oomMessage(String memory) {
        return "strata: killed: out of memory (limit " + (memory == null ? "?" : memory) + ")";
    }

    private Started start() throws Exception {
        StoreRoot root = client.root(f.store);
        return start(client.requests(root));
    }

    /**
     * Resolves the image or container (creating the container on an image), has the daemon mount it and make its
     * cgroups (run-start), and writes the bundle. A failure after run-start ends the run (run-end 125) and is thrown.
     */
    private Started start(StoreCommands.Requests daemon) throws Exception {
        Phases phases = client == null ? new Phases("cli") : client.phases();
        if (client != null) phases.end("parse");
        RunOptions o = options();
        if (detach && (f.interactive || f.tty)) throw new UserError("-d does not go with -i or -t (strata logs shows the output)");
        StoreRoot root = client == null ? StoreRoot.resolve(f.store) : client.root(f.store);
        Target t = target(root, daemon);
        phases.end("target");
        RunOptions.IdMap map = o.idMap();
        Procs.Id owner = client == null ? Procs.self() : Procs.of(client.pid());
        RunState request = new RunState(t.name(), null, null, owner.pid(), owner.start(), false, rm, 0, null, -1, 0, 0,
                o.limits(), memory, 0, map == null ? null : map.fuseMapping(), null);
        List<String> started;
        try {
            started = daemon.call("run-start", request.json());
        } catch (Exception | Error e) {
            if (t.created() && rm) daemon.call("rm", t.name());
            throw e;
        }
        phases.end("run-start");
        try {
            RunDir dir = new RunDir(Path.of(field(started, "dir").get(0)));
            bundle(dir, t, o, root.dir());
            phases.end("bundle");
            List<String> all = new ArrayList<>(field(started, "phase").stream().map(p -> "phase\t" + p).toList());
            all.addAll(phases.lines());
            return new Started(t.name(), dir, Nsexec.run(dir, field(started, "cgroup"), init, detach), detach, f.interactive, memory,
                    all);
        } catch (Exception | Error e) {
            end(daemon, t.name(), 125);
            throw e;
        }
    }

    private Target target(StoreRoot root, StoreCommands.Requests daemon) throws Exception {
        boolean exists = daemon.call("ps").stream().anyMatch(l -> l.split("\t")[0].equals(target));
        ImageStore images = new ImageStore(root.dir());
        if (exists) {
            if (name != null && !name.equals(target)) throw new UserError(target + " is a container: run it without --name");
            String imageId = images.useOf(target);
            ImageConfig config = imageId == null ? ImageConfig.NONE : ImageConfig.parse(images.config(images.find(imageId)));
            return new Target(target, config, false);
        }
        ImageRecord image;
        try {
            image = images.find(target);
        } catch (StoreException e) {
            throw new UserError("no such image or container: " + target + " (strata image ls, strata ps)");
        }
        String n = name != null ? name : generatedName(image);
        StoreCommands.createOnImage(root, n, image, daemon);
        return new Target(n, ImageConfig.parse(images.config(image)), true);
    }

    /** The image's last name component and 6 random hex digits: "three-layers-3fa2b1". */
    static String generatedName(ImageRecord image) {
        String base = image.names().isEmpty() ? "c" : image.names().get(0);
        base = base.replaceAll(":[^/:]*$", "");
        base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9_.-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        if (base.isEmpty() || base.length() > 100) base = "c";
        byte[] r = new byte[3];
        ThreadLocalRandom.current().nextBytes(r);
        return base + "-" + HexFormat.of().formatHex(r);
    }

    /** The OCI bundle in the runtime dir: config.json, the /etc files, mount points made in the rootfs. */
    private void bundle(RunDir dir, Target t, RunOptions o, Path storeDir) throws Exception {
        Path rootfs = dir.rootfs();
        Users.User u = Users.resolve(rootfs, o.user() != null ? o.user() : t.image().user());
        String host = o.hostname() != null ? o.hostname()
                : o.net() == RunOptions.Network.HOST ? java.net.InetAddress.getLocalHost().getHostName()
                : t.name().length() > 63 ? t.name().substring(0, 63) : t.name();
        EtcFiles.write(dir.dir(), host, o.net(), Path.of("/etc"));
        // what is created in the rootfs belongs to the container's root (host uid 100000 with --userns)
        long owner = o.idMap() == null ? -1 : o.idMap().hostId();
        for (String f : OciSpec.ETC_FILES) Rootfs.ensure(rootfs, "/etc/" + f, false, owner, owner);
        for (RunOptions.Volume v : o.volumes()) Rootfs.ensure(rootfs, v.container(), Files.isDirectory(v.host()), owner, owner);
        String cwd = o.workdir() != null ? o.workdir() : t.image().workingDir();
        if (!cwd.isEmpty()) Rootfs.ensure(rootfs, cwd, true, owner, owner);
        var config = OciSpec.config(new OciSpec.Inputs(t.image(), o, u, host, rootfs, dir.dir(),
                "/" + io.strata.launcher.run.cgroup.Cgroup.PARENT + "/" + RunDir.cgroupId(storeDir, t.name()),
                client == null ? System.getenv() : client.env()));
        Files.writeString(dir.config(), CONFIG_WRITER.writeValueAsString(config));
    }

    /** Starts the helper detached; on success hands the run over to its shim (run-detach) and returns 0. */
    private static int startDetached(Started s, StoreCommands.Requests daemon) throws Exception {
        Process p = new ProcessBuilder(s.helper())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String pid;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            pid = r.readLine();
        }
        int rc = p.waitFor();
        if (rc != 0) return rc;
        if (pid == null || !pid.trim().matches("\\d+")) throw new UserError("strata-nsexec --detach printed no pid");
        daemon.call("run-detach", s.container(), pid.trim());
        return 0;
    }

    /** Tells the daemon the run ended (it cleans up); the OOM kills it counted, or 0 if it cannot be asked. */
    static long end(StoreCommands.Requests daemon, String container, int status) {
        try {
            List<String> lines = daemon.call("run-end", container, Integer.toString(status));
            List<String> oom = field(lines, "oom");
            return oom.isEmpty() ? 0 : Long.parseLong(oom.get(0));
        } catch (Exception e) {
            System.err.println("strata: cleaning up after " + container + ": " + e.getMessage());
            return 0;
        }
    }

    /** The values of "KEY TAB value" lines. */
    static List<String> field(List<String> lines, String key) {
        List<String> out = new ArrayList<>();
        for (String l : lines) if (l.startsWith(key + "\t")) out.add(l.substring(key.length() + 1));
        return out;
    }
}
