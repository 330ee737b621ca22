package io.strata.launcher.run.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.launcher.run.cgroup.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json as written and parsed back: docker's semantics for the process, runc's defaults for the rest. */
class OciSpecTest {
    @TempDir
    Path tmp;

    private static final ImageConfig IMAGE = new ImageConfig(List.of("/bin/entry", "-x"), List.of("default", "arg"),
            List.of("PATH=/image/bin", "FOO=image", "KEEP=1"), "/srv", "");

    private static RunOptions options(List<String> cmd, List<String> env, String workdir, String user, String hostname,
                                      boolean tty, boolean readOnly, List<RunOptions.Volume> volumes, RunOptions.Network net,
                                      boolean userns, Limits limits) {
        return new RunOptions(cmd, env, workdir, user, hostname, tty, false, readOnly, volumes, net, userns, false, limits);
    }

    private static RunOptions plain(List<String> cmd) {
        return options(cmd, List.of(), null, null, null, false, false, List.of(), RunOptions.Network.NONE, false, Limits.UNLIMITED);
    }

    private JsonNode build(ImageConfig image, RunOptions o, Users.User user) throws Exception {
        var n = OciSpec.config(new OciSpec.Inputs(image, o, user, "box", Path.of("/run/strata/x/c/rootfs"), Path.of("/run/strata/x/c"),
                "/strata/x-c", System.getenv()));
        return new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(n)); // what the helper reads
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void defaultsAreDockersProcessAndRuncsMountsAndPaths() throws Exception {
        JsonNode c = build(IMAGE, plain(List.of()), Users.User.ROOT);
        assertEquals(OciSpec.VERSION, c.path("ociVersion").asText());
        JsonNode p = c.path("process");
        assertEquals(List.of("/bin/entry", "-x", "default", "arg"), texts(p.path("args")), "Entrypoint + Cmd");
        assertEquals("/srv", p.path("cwd").asText(), "the image's WorkingDir");
        assertEquals(0, p.path("user").path("uid").asInt());
        assertFalse(p.path("terminal").asBoolean());
        assertTrue(p.path("noNewPrivileges").asBoolean());
        assertTrue(p.path("rlimits").isMissingNode(), "the launcher's limits are inherited");
        assertEquals(OciSpec.DOCKER_CAPABILITIES, texts(p.path("capabilities").path("bounding")));
        assertEquals(OciSpec.DOCKER_CAPABILITIES, texts(p.path("capabilities").path("effective")));
        assertEquals(OciSpec.DOCKER_CAPABILITIES, texts(p.path("capabilities").path("permitted")));
        assertEquals(14, OciSpec.DOCKER_CAPABILITIES.size());
        assertTrue(texts(p.path("env")).containsAll(List.of("PATH=/image/bin", "FOO=image", "KEEP=1", "HOSTNAME=box", "HOME=/root")));
        assertEquals("/run/strata/x/c/rootfs", c.path("root").path("path").asText());
        assertFalse(c.path("root").path("readonly").asBoolean());
        assertEquals("box", c.path("hostname").asText());

        List<String> dests = new ArrayList<>();
        c.path("mounts").forEach(m -> dests.add(m.path("destination").asText()));
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup",
                "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"), dests);
        JsonNode sys = c.path("mounts").get(5);
        assertEquals("sysfs", sys.path("type").asText());
        assertTrue(texts(sys.path("options")).contains("ro"));
        assertTrue(texts(c.path("mounts").get(6).path("options")).contains("ro"), "/sys/fs/cgroup read-only");
        JsonNode hosts = c.path("mounts").get(8);
        assertEquals("bind", hosts.path("type").asText());
        assertEquals("/run/strata/x/c/hosts", hosts.path("source").asText());

        JsonNode linux = c.path("linux");
        List<String> ns = new ArrayList<>();
        linux.path("namespaces").forEach(n -> ns.add(n.path("type").asText()));
        assertEquals(List.of("pid", "mount", "uts", "ipc", "cgroup", "network"), ns);
        assertTrue(linux.path("uidMappings").isMissingNode(), "no user namespace without --userns");
        assertEquals(OciSpec.MASKED_PATHS, texts(linux.path("maskedPaths")));
        assertTrue(texts(linux.path("maskedPaths")).containsAll(List.of("/proc/kcore", "/proc/keys", "/sys/firmware")));
        assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), texts(linux.path("readonlyPaths")));
        assertEquals("/strata/x-c", linux.path("cgroupsPath").asText());
        JsonNode res = linux.path("resources");
        assertFalse(res.path("devices").get(0).path("allow").asBoolean(), "deny all devices first");
        assertTrue(res.path("memory").isMissingNode() && res.path("cpu").isMissingNode() && res.path("pids").isMissingNode());
    }

    @Test
    void flagsOverrideTheImage() throws Exception {
        Path vol = Files.createDirectories(tmp.resolve("data"));
        RunOptions o = options(List.of("/bin/sh", "-c", "echo hi"), List.of("FOO=flag", "BAR=1", "PATH=/p"), "/work", "1000:1000",
                "myhost", true, true, List.of(RunOptions.Volume.parse(vol + ":/data:ro"), RunOptions.Volume.parse(vol + ":/rw")),
                RunOptions.Network.HOST, true, Limits.of("64m", null, "0.5", 10L));
        JsonNode c = build(IMAGE, o, new Users.User(1000, 1000, List.of(27L), "/home/u"));
        JsonNode p = c.path("process");
        assertEquals(List.of("/bin/entry", "-x", "/bin/sh", "-c", "echo hi"), texts(p.path("args")), "CMD replaces Cmd, not Entrypoint");
        List<String> env = texts(p.path("env"));
        assertTrue(env.containsAll(List.of("FOO=flag", "BAR=1", "KEEP=1", "PATH=/p", "TERM=xterm", "HOME=/home/u")), env.toString());
        assertFalse(env.contains("FOO=image"));
        assertEquals(1, env.stream().filter(e -> e.startsWith("PATH=")).count());
        assertEquals("/work", p.path("cwd").asText());
        assertEquals(1000, p.path("user").path("uid").asInt());
        assertEquals(1000, p.path("user").path("gid").asInt());
        assertEquals(27, p.path("user").path("additionalGids").get(0).asInt());
        assertTrue(p.path("terminal").asBoolean());
        assertEquals(0, p.path("capabilities").path("effective").size(), "a non-root user has no effective capabilities");
        assertEquals(OciSpec.DOCKER_CAPABILITIES, texts(p.path("capabilities").path("bounding")));
        assertTrue(c.path("root").path("readonly").asBoolean());

        JsonNode linux = c.path("linux");
        List<String> ns = new ArrayList<>();
        linux.path("namespaces").forEach(n -> ns.add(n.path("type").asText()));
        assertFalse(ns.contains("network"), "--net host keeps the host's network");
        assertTrue(ns.contains("user"));
        JsonNode uidMap = linux.path("uidMappings").get(0);
        assertEquals(0, uidMap.path("containerID").asLong());
        assertEquals(100000, uidMap.path("hostID").asLong());
        assertEquals(65536, uidMap.path("size").asLong());
        assertEquals(uidMap, linux.path("gidMappings").get(0));

        JsonNode mounts = c.path("mounts");
        JsonNode sys = mounts.get(5);
        assertEquals("bind", sys.path("type").asText(), "sysfs is bound, not mounted, in a user ns without its own net ns");
        JsonNode data = mounts.get(mounts.size() - 2), rw = mounts.get(mounts.size() - 1);
        assertEquals("/data", data.path("destination").asText());
        assertEquals(vol.toString(), data.path("source").asText());
        assertEquals(List.of("rbind", "rprivate", "ro"), texts(data.path("options")));
        assertEquals(List.of("rbind", "rprivate"), texts(rw.path("options")));

        JsonNode res = linux.path("resources");
        assertEquals(64L << 20, res.path("memory").path("limit").asLong());
        assertEquals(128L << 20, res.path("memory").path("swap").asLong(), "docker: memory-swap defaults to twice --memory");
        assertEquals(50000, res.path("cpu").path("quota").asLong());
        assertEquals(100000, res.path("cpu").path("period").asLong());
        assertEquals(10, res.path("pids").path("limit").asLong());
    }

    @Test
    void noCommandAnywhereIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build(ImageConfig.NONE, plain(List.of()), Users.User.ROOT));
        assertTrue(e.getMessage().contains("no command"));
    }

    @Test
    void imageConfigIsReadFromTheImagesJson() {
        ImageConfig c = ImageConfig.parse(("{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"A=1\"],\"Cmd\":[\"/bin/sh\"],"
                + "\"WorkingDir\":\"/w\",\"User\":\"nobody\"}}").getBytes());
        assertEquals(List.of("/bin/sh"), c.cmd());
        assertEquals(List.of(), c.entrypoint());
        assertEquals(List.of("A=1"), c.env());
        assertEquals("/w", c.workingDir());
        assertEquals("nobody", c.user());
        assertEquals(List.of("ls", "-l"), c.args(List.of("ls", "-l")));
        assertEquals(ImageConfig.NONE.env(), ImageConfig.parse("{}".getBytes()).env());
    }

    @Test
    void envDefaultsAndHostPassThrough() {
        List<String> env = OciSpec.env(List.of(), List.of("FROMHOST", "UNSET", "X=a=b"), "h", "/", false, Map.of("FROMHOST", "v"));
        assertEquals(List.of("PATH=" + OciSpec.DEFAULT_PATH, "HOSTNAME=h", "HOME=/", "FROMHOST=v", "X=a=b"), env);
    }

    @Test
    void usersAreLookedUpInTheContainersOwnFiles() throws Exception {
        Path root = tmp.resolve("rootfs");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001::/home/alice:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:alice,bob\nalice:x:1001:\nwheel:x:10:alice\n");
        assertEquals(new Users.User(1000, 1001, List.of(50L, 10L), "/home/alice"), Users.resolve(root, "alice"));
        assertEquals(new Users.User(1000, 1001, List.of(50L, 10L), "/home/alice"), Users.resolve(root, "1000"));
        assertEquals(new Users.User(1000, 50, List.of(), "/home/alice"), Users.resolve(root, "alice:staff"));
        assertEquals(new Users.User(4242, 0, List.of(), "/"), Users.resolve(root, "4242"), "a uid without an entry: gid 0, HOME=/");
        assertEquals(new Users.User(4242, 7, List.of(), "/"), Users.resolve(root, "4242:7"));
        assertEquals(Users.User.ROOT, Users.resolve(root, ""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Users.resolve(root, "mallory")).getMessage()
                .contains("unable to find user mallory"));
        assertThrows(IllegalArgumentException.class, () -> Users.resolve(root, "alice:nogroup"));

        Path evil = tmp.resolve("evil");
        Files.createDirectories(evil.resolve("etc"));
        Files.createSymbolicLink(evil.resolve("etc/passwd"), root.resolve("etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> Users.resolve(evil, "alice"), "a symlinked passwd is not followed to the host");
    }

    @Test
    void rootfsPathsNeverFollowSymlinks() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("r"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Rootfs.ensure(root, "/escape/made", true, -1, -1);
        assertFalse(Files.exists(outside.resolve("made")), "nothing made through a symlink");
        assertNull(Rootfs.resolve(root, "/escape/x"));
        Rootfs.ensure(root, "/etc/hosts", false, -1, -1);
        assertTrue(Files.isRegularFile(root.resolve("etc/hosts")));
        Rootfs.ensure(root, "/a/b/c", true, -1, -1);
        assertTrue(Files.isDirectory(root.resolve("a/b/c")));
        assertEquals(root.resolve("x"), Rootfs.resolve(root, "/../x"), "\"..\" stops at the container's /");
    }

    @Test
    void etcFilesForAPrivateNetworkAndForTheHosts() throws Exception {
        Path hostEtc = Files.createDirectories(tmp.resolve("hostetc"));
        Files.writeString(hostEtc.resolve("resolv.conf"), "nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch lan\n");
        Files.writeString(hostEtc.resolve("hosts"), "127.0.0.1 localhost\n10.0.0.5 hosty\n");
        Path run = Files.createDirectories(tmp.resolve("run"));
        EtcFiles.write(run, "box", RunOptions.Network.NONE, hostEtc);
        assertEquals("box\n", Files.readString(run.resolve("hostname")));
        assertTrue(Files.readString(run.resolve("hosts")).contains("127.0.1.1\tbox\n"));
        assertEquals("nameserver 10.0.0.1\nsearch lan\n", Files.readString(run.resolve("resolv.conf")));
        EtcFiles.write(run, "box", RunOptions.Network.HOST, hostEtc);
        assertTrue(Files.readString(run.resolve("hosts")).contains("hosty"));
        assertTrue(Files.readString(run.resolve("resolv.conf")).contains("127.0.0.53"));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve("hosts"))));
    }

    @Test
    void badFlagsAreRefusedWithTheirName() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.Volume.parse("rel:/x")).getMessage().contains("absolute"));
        assertThrows(IllegalArgumentException.class, () -> RunOptions.Volume.parse(tmp + ":/x:rx"));
        assertThrows(IllegalArgumentException.class, () -> RunOptions.Volume.parse(tmp + ":rel"));
        assertThrows(IllegalArgumentException.class, () -> RunOptions.Volume.parse(tmp + "/missing:/x"));
        assertThrows(IllegalArgumentException.class, () -> RunOptions.Network.parse("bridge"));
        assertThrows(IllegalArgumentException.class, () -> options(List.of(), List.of(), "rel", null, null, false, false, List.of(),
                RunOptions.Network.NONE, false, Limits.UNLIMITED));
        assertThrows(IllegalArgumentException.class, () -> options(List.of(), List.of(), null, null, "bad_host!", false, false,
                List.of(), RunOptions.Network.NONE, false, Limits.UNLIMITED));
        assertThrows(IllegalArgumentException.class, () -> options(List.of(), List.of("=x"), null, null, null, false, false,
                List.of(), RunOptions.Network.NONE, false, Limits.UNLIMITED));

        assertEquals(64L << 20, Limits.bytes("64m", "-m"));
        assertEquals(1L << 30, Limits.bytes("1G", "-m"));
        assertEquals(512L << 10, Limits.bytes("512KiB", "-m"));
        assertEquals(12345, Limits.bytes("12345", "-m"));
        assertThrows(IllegalArgumentException.class, () -> Limits.bytes("lots", "-m"));
        assertThrows(IllegalArgumentException.class, () -> Limits.of("1m", null, null, null), "below docker's minimum");
        assertThrows(IllegalArgumentException.class, () -> Limits.of("64m", "32m", null, null), "swap total below memory");
        assertThrows(IllegalArgumentException.class, () -> Limits.of(null, "64m", null, null));
        assertThrows(IllegalArgumentException.class, () -> Limits.of(null, null, "0", null));
        assertThrows(IllegalArgumentException.class, () -> Limits.of(null, null, "999", null));
        assertThrows(IllegalArgumentException.class, () -> Limits.of(null, null, "x", null));
        assertEquals(Limits.NONE, Limits.of("64m", "-1", null, null).memorySwap());
        assertEquals(Limits.NONE, Limits.of(null, null, null, -1L).pids());
        assertThrows(IllegalArgumentException.class, () -> Limits.of(null, null, null, -5L));
    }
}
