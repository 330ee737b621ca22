package io.strata.launcher.run.spec;

import io.strata.launcher.run.cgroup.Limits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The flags of {@code strata run} (and of {@code exec} where they apply), validated: docker's names and meanings.
 * A bad value is an IllegalArgumentException whose message is the whole story (the CLI exits 125 with it).
 */
public record RunOptions(List<String> command, List<String> env, String workdir, String user, String hostname,
                         boolean tty, boolean interactive, boolean readOnly, List<Volume> volumes, Network net,
                         boolean userns, boolean init, Limits limits) {

    /** --net: a private network namespace with only lo (docker's none), or the host's. */
    public enum Network {
        NONE, HOST;

        public static Network parse(String s) {
            return switch (s == null ? "none" : s) {
                case "none" -> NONE;
                case "host" -> HOST;
                default -> throw new IllegalArgumentException("--net " + s + ": none or host (Strata has no bridge network)");
            };
        }
    }

    /**
     * --userns: container ids 0..size-1 are host ids hostId..hostId+size-1 (root inside is an unprivileged host
     * uid). The rootfs is mounted with the same map, so the container's root owns what the image's root owns.
     */
    public record IdMap(long containerId, long hostId, long size) {
        public static final IdMap DEFAULT = new IdMap(0, 100_000, 65_536);

        /**
         * The same map as fuse-overlayfs' uidmapping=/gidmapping= (STORED:SHOWN:COUNT): the layers' ids are the
         * container's, the mount shows them as the host ids the user namespace maps them to.
         */
        public String fuseMapping() {
            return containerId + ":" + hostId + ":" + size;
        }
    }

    /** -v HOST:CONTAINER[:ro|:rw]: a bind mount (rbind, private). */
    public record Volume(Path host, String container, boolean readOnly) {
        public static Volume parse(String spec) {
            String[] p = spec.split(":", -1);
            if (p.length < 2 || p.length > 3 || (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw")))
                throw new IllegalArgumentException("-v " + spec + ": expected HOSTDIR:CONTAINERDIR[:ro]");
            Path host = Path.of(p[0]);
            if (!host.isAbsolute()) throw new IllegalArgumentException("-v " + spec + ": the host path must be absolute");
            if (!Files.exists(host)) throw new IllegalArgumentException("-v " + spec + ": no such host path " + host);
            checkAbsolute(p[1], "-v " + spec + ": the container path");
            if (Path.of(p[1]).normalize().toString().equals("/"))
                throw new IllegalArgumentException("-v " + spec + ": cannot mount over the container's /");
            return new Volume(host.normalize(), Path.of(p[1]).normalize().toString(), p.length == 3 && p[2].equals("ro"));
        }
    }

    public RunOptions {
        command = List.copyOf(command);
        env = List.copyOf(env);
        volumes = List.copyOf(volumes);
        for (String e : env)
            if (e.isEmpty() || e.startsWith("=")) throw new IllegalArgumentException("-e " + e + ": expected KEY=VALUE or KEY");
        if (workdir != null) checkAbsolute(workdir, "-w " + workdir + ": the working directory");
        if (hostname != null && !hostname.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?"))
            throw new IllegalArgumentException("-h " + hostname + ": not a valid hostname (letters, digits, '.', '-'; at most 63)");
        if (user != null && !user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?"))
            throw new IllegalArgumentException("-u " + user + ": expected UID[:GID] or NAME[:GROUP]");
    }

    private static void checkAbsolute(String path, String what) {
        if (!path.startsWith("/")) throw new IllegalArgumentException(what + " must be an absolute path");
    }

    /** The user namespace map, or null without --userns. */
    public IdMap idMap() {
        return userns ? IdMap.DEFAULT : null;
    }
}
