package io.strata.launcher.run.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.run.cgroup.DeviceRules;
import io.strata.launcher.run.cgroup.Limits;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime-spec config.json of a run (the subset launcher/NSEXEC.md lists, which is also what runc needs):
 * runc's `spec` defaults for mounts, masked and read-only paths; docker's defaults for the process (capabilities, env,
 * Entrypoint + Cmd); the flags of {@link RunOptions} on top; linux.resources mirroring the cgroup limits Strata
 * writes itself (the helper ignores them; runc applies them).
 */
public final class OciSpec {
    public static final String VERSION = "1.0.2";
    /** docker's default capability set (moby oci/caps/defaults.go). */
    public static final List<String> DOCKER_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    /** runc's masked paths (unreadable inside). */
    public static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware");
    /** runc's read-only paths. */
    public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** /etc files of the runtime dir bound over the rootfs' own. */
    public static final List<String> ETC_FILES = List.of("hostname", "hosts", "resolv.conf");
    static final ObjectMapper JSON = new ObjectMapper();

    private OciSpec() {
    }

    /** Everything a run's config.json is made of (hostEnv: the caller's environment, where -e KEY finds KEY). */
    public record Inputs(ImageConfig image, RunOptions options, Users.User user, String hostname, Path rootfs, Path runDir,
                         String cgroupsPath, Map<String, String> hostEnv) {
    }

    /** config.json. IllegalArgumentException when neither the image nor the command line names a command. */
    public static ObjectNode config(Inputs in) {
        RunOptions o = in.options();
        List<String> args = in.image().args(o.command());
        if (args.isEmpty()) throw new IllegalArgumentException("no command: the image has no Entrypoint or Cmd, give one after the image");
        String cwd = o.workdir() != null ? o.workdir() : in.image().workingDir().isEmpty() ? "/" : in.image().workingDir();
        List<String> env = env(in.image().env(), o.env(), in.hostname(), in.user().home(), o.tty(), in.hostEnv());

        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", VERSION);
        c.set("process", process(args, env, cwd, in.user(), o.tty()));
        ObjectNode root = c.putObject("root");
        root.put("path", in.rootfs().toString());
        root.put("readonly", o.readOnly());
        c.put("hostname", in.hostname());
        c.set("mounts", mounts(o, in.runDir()));
        ObjectNode linux = c.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        for (String t : namespaces(o)) ns.addObject().put("type", t);
        RunOptions.IdMap map = o.idMap();
        if (map != null) {
            for (String k : List.of("uidMappings", "gidMappings")) {
                linux.putArray(k).addObject().put("containerID", map.containerId()).put("hostID", map.hostId()).put("size", map.size());
            }
        }
        linux.set("maskedPaths", strings(MASKED_PATHS));
        linux.set("readonlyPaths", strings(READONLY_PATHS));
        linux.put("rootfsPropagation", "rprivate");
        linux.put("cgroupsPath", in.cgroupsPath());
        linux.set("resources", resources(o.limits()));
        return c;
    }

    /** process: for a run and for an exec (same object; args already final). */
    public static ObjectNode process(List<String> args, List<String> env, String cwd, Users.User user, boolean tty) {
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", tty);
        ObjectNode u = p.putObject("user");
        u.put("uid", user.uid());
        u.put("gid", user.gid());
        ArrayNode extra = u.putArray("additionalGids");
        user.additionalGids().forEach(extra::add);
        p.set("args", strings(args));
        p.set("env", strings(env));
        p.put("cwd", cwd);
        // docker: root gets the default set; another user keeps it only as the bounding set (nothing effective)
        ObjectNode caps = p.putObject("capabilities");
        List<String> granted = user.uid() == 0 ? DOCKER_CAPABILITIES : List.of();
        caps.set("bounding", strings(DOCKER_CAPABILITIES));
        caps.set("effective", strings(granted));
        caps.set("permitted", strings(granted));
        caps.set("inheritable", strings(List.of()));
        caps.set("ambient", strings(List.of()));
        // no rlimits: the container keeps the launcher's (raising a hard limit needs CAP_SYS_RESOURCE, which a root
        // in a sandbox may lack; docker too leaves them to what the daemon inherited)
        p.put("noNewPrivileges", true);
        return p;
    }

    /**
     * The environment: the image's Env, PATH when it has none, HOSTNAME, HOME (the user's, unless the image sets it),
     * TERM=xterm with a tty; then -e KEY=VALUE over all of it (-e KEY alone: the host's value, left out when unset).
     */
    public static List<String> env(List<String> imageEnv, List<String> flags, String hostname, String home, boolean tty,
                                   Map<String, String> hostEnv) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PATH", DEFAULT_PATH);
        m.put("HOSTNAME", hostname);
        for (String e : imageEnv) put(m, e);
        if (tty) m.putIfAbsent("TERM", "xterm");
        m.putIfAbsent("HOME", home);
        for (String e : flags) {
            if (e.contains("=")) put(m, e);
            else if (hostEnv.containsKey(e)) m.put(e, hostEnv.get(e));
        }
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static void put(Map<String, String> m, String kv) {
        int eq = kv.indexOf('=');
        if (eq > 0) m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    /** pid, mount, uts, ipc, cgroup always; network unless --net host; user with --userns. */
    static List<String> namespaces(RunOptions o) {
        List<String> ns = new ArrayList<>(List.of("pid", "mount", "uts", "ipc", "cgroup"));
        if (o.net() == RunOptions.Network.NONE) ns.add("network");
        if (o.userns()) ns.add("user");
        return ns;
    }

    private static ArrayNode mounts(RunOptions o, Path runDir) {
        ArrayNode a = JSON.createArrayNode();
        mount(a, "/proc", "proc", "proc");
        mount(a, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(a, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(a, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(a, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        if (o.userns() && o.net() == RunOptions.Network.HOST) // sysfs cannot be mounted from a user ns that does not own the net ns
            mount(a, "/sys", "bind", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro");
        else mount(a, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(a, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        for (String f : ETC_FILES) mount(a, "/etc/" + f, "bind", runDir.resolve(f).toString(), "rbind", "rprivate");
        for (RunOptions.Volume v : o.volumes()) {
            if (v.readOnly()) mount(a, v.container(), "bind", v.host().toString(), "rbind", "rprivate", "ro");
            else mount(a, v.container(), "bind", v.host().toString(), "rbind", "rprivate");
        }
        return a;
    }

    private static void mount(ArrayNode a, String destination, String type, String source, String... options) {
        ObjectNode m = a.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        if (options.length > 0) m.set("options", strings(List.of(options)));
    }

    /** linux.resources: the same limits the cgroup writer applies, for runc. */
    static ObjectNode resources(Limits l) {
        ObjectNode r = JSON.createObjectNode();
        ArrayNode dev = r.putArray("devices");
        dev.addObject().put("allow", false).put("access", "rwm");
        for (DeviceRules.Rule d : DeviceRules.ALLOWED) {
            ObjectNode n = dev.addObject().put("allow", true).put("type", String.valueOf(d.type()));
            if (d.major() >= 0) n.put("major", d.major());
            if (d.minor() >= 0) n.put("minor", d.minor());
            n.put("access", d.access());
        }
        if (l.limitsMemory()) r.putObject("memory").put("limit", l.memory()).put("swap", l.memorySwap());
        if (l.limitsCpu()) r.putObject("cpu").put("quota", l.cpuQuota()).put("period", l.cpuPeriod());
        if (l.limitsPids()) r.putObject("pids").put("limit", l.pids());
        return r;
    }

    private static ArrayNode strings(List<String> list) {
        ArrayNode a = JSON.createArrayNode();
        list.forEach(a::add);
        return a;
    }
}
