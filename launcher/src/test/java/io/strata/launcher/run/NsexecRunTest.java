package io.strata.launcher.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.run.Containers.Result;
import io.strata.launcher.run.Containers.Running;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `strata-nsexec run` of docker-default bundles: what the container sees, and the exit status docker would give. */
class NsexecRunTest extends ContainerTest {

    private static List<String> lines(String text) {
        return Arrays.stream(text.split("\n")).map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void theCommandIsPid1WithItsOwnHostnameLoopbackAndProc() {
        Result r = containers.run(containers.config("sh", "-c",
                "echo $$; hostname; ls /sys/class/net; cat /sys/class/net/lo/flags; ls -d /proc/[0-9]*"));
        assertEquals(0, r.code(), r.err());
        List<String> out = lines(r.out());
        assertEquals("1", out.get(0), "the command is pid 1");
        assertEquals(Containers.HOSTNAME, out.get(1));
        assertEquals("lo", out.get(2), "the network namespace has only lo");
        assertEquals(1, Integer.decode(out.get(3)) & 1, "lo is up (IFF_UP)");
        assertEquals(List.of("/proc/1"), out.subList(4, out.size()), "sh (expanding the glob) is alone in /proc");
    }

    @Test
    void maskedPathsAreEmptyAndReadonlyPathsAndRootRefuseWrites() {
        Result r = containers.run(containers.config("sh", "-c",
                "for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && echo \"file $f $(cat $f | wc -c)\"; done;"
                        + " for d in /proc/acpi /sys/firmware; do [ -d $d ] && echo \"dir $d $(ls -A $d | wc -l)\"; done;"
                        + " echo x > /proc/sys/kernel/domainname || echo proc-sys-refused;"
                        + " touch /new-file || echo root-refused; exit 0"));
        assertEquals(0, r.code(), r.err());
        List<String> out = lines(r.out());
        List<String> masked = out.stream().filter(l -> l.startsWith("file ") || l.startsWith("dir ")).toList();
        assertTrue(masked.stream().anyMatch(l -> l.contains("/proc/keys") || l.contains("/proc/kcore")), out.toString());
        for (String l : masked) assertTrue(l.endsWith(" 0"), "masked, yet not empty: " + l);
        assertTrue(out.contains("proc-sys-refused"), out.toString());
        assertTrue(out.contains("root-refused"), out.toString());
        assertTrue(r.err().contains("Read-only file system"), r.err());
    }

    @Test
    void capabilitiesAreDockersDefaultAndNoNewPrivsIsSet() {
        Result r = containers.run(containers.config("grep", "-E", "^(Cap|NoNewPrivs)", "/proc/self/status"));
        assertEquals(0, r.code(), r.err());
        List<String> out = lines(r.out());
        for (String set : List.of("CapPrm", "CapEff", "CapBnd"))
            assertTrue(out.contains(set + ":\t" + Containers.DOCKER_CAPS_HEX), set + " in " + out);
        assertTrue(out.contains("CapInh:\t0000000000000000"), out.toString());
        assertTrue(out.contains("CapAmb:\t0000000000000000"), out.toString());
        assertTrue(out.contains("NoNewPrivs:\t1"), out.toString());
    }

    @Test
    void processUserGroupsCwdAndRlimitsAreSet() {
        ObjectNode config = containers.config("sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status; pwd; ulimit -n");
        ObjectNode user = ((ObjectNode) config.get("process")).putObject("user").put("uid", 1000).put("gid", 1001);
        user.putArray("additionalGids").add(10).add(20);
        ((ObjectNode) config.get("process")).put("cwd", "/tmp");
        Result r = containers.run(config);
        assertEquals(0, r.code(), r.err());
        List<String> out = lines(r.out());
        assertEquals("1000", out.get(0));
        assertEquals("1001", out.get(1));
        assertEquals(List.of("1001", "10", "20"), Arrays.asList(out.get(2).split(" ")));
        assertEquals("CapEff:\t0000000000000000", out.get(3), "a non-root user keeps no capability across execve");
        assertEquals("/tmp", out.get(4));
        assertEquals("1024", out.get(5), "RLIMIT_NOFILE");
    }

    @Test
    void exitStatusIsTheCommands() {
        assertEquals(3, containers.run(containers.config("sh", "-c", "exit 3")).code());
        assertEquals(0, containers.run(containers.config("true")).code());
    }

    @Test
    void killedBySignalNGives128PlusN() throws Exception {
        // pid 1 cannot kill itself (the kernel protects a namespace's init): under --init the command is pid 2
        assertEquals(128 + 9, containers.run(containers.config("sh", "-c", "kill -9 $$"), "--init").code());
        assertEquals(128 + 10, containers.run(containers.config("sh", "-c", "kill -USR1 $$"), "--init").code());
        // SIGKILL from the host reaches pid 1 itself
        Running c = containers.startReady(containers.config("sh", "-c", "touch /out/ready; exec sleep 1000"));
        ProcessHandle.of(c.pid()).orElseThrow().destroyForcibly();
        assertEquals(128 + 9, containers.finish(c.helper()).code());
    }

    @Test
    void killingTheHelperEvenWithSigkillTakesTheContainerWithIt() throws Exception {
        Running c = containers.startReady(containers.config("sh", "-c", "touch /out/ready; exec sleep 1000"));
        c.helper().destroyForcibly();
        assertTrue(Containers.awaitEnd(c.pid()), "PR_SET_PDEATHSIG: the container's pid 1 dies with the helper");
    }

    @Test
    void aMissingCommandIs127AndANonExecutableOneIs126() {
        Result missing = containers.run(containers.config("no-such-command"));
        assertEquals(127, missing.code());
        assertTrue(missing.err().startsWith("strata-nsexec: exec no-such-command"), missing.err());
        Result notExecutable = containers.run(containers.config("/etc/passwd"));
        assertEquals(126, notExecutable.code());
        assertTrue(notExecutable.err().contains("Permission denied"), notExecutable.err());
        Result directory = containers.run(containers.config("/tmp"));
        assertEquals(126, directory.code());
    }

    @Test
    void aBadConfigIs125WithOneLine() throws IOException {
        ObjectNode wrongType = containers.config("true");
        ((ObjectNode) wrongType.get("process")).put("args", 3);
        Result r = containers.run(wrongType);
        assertEquals(125, r.code());
        assertEquals("strata-nsexec: config.json: process.args: expected an array, found a number", r.err().strip());

        ObjectNode unknownCap = containers.config("true");
        ((ArrayNode) unknownCap.get("process").get("capabilities").get("bounding")).add("CAP_NO_SUCH");
        r = containers.run(unknownCap);
        assertEquals(125, r.code());
        assertTrue(r.err().contains("unknown capability CAP_NO_SUCH"), r.err());

        Path bundle = containers.bundle(containers.config("true"));
        Files.writeString(bundle.resolve("config.json"), "{\"process\": {\"args\": [\"true\"]},");
        r = containers.exec(containers.runCommand(bundle));
        assertEquals(125, r.code());
        assertEquals(1, lines(r.err()).size(), r.err());
        assertTrue(r.err().startsWith("strata-nsexec: " + bundle.resolve("config.json")), r.err());

        r = containers.exec(containers.runCommand(containers.base().resolve("no-such-bundle")));
        assertEquals(125, r.code());
        assertTrue(r.err().contains("No such file or directory"), r.err());
    }

    @Test
    void signalsToTheHelperReachTheContainer() throws Exception {
        for (boolean init : List.of(false, true)) {
            Running c = containers.startReady(containers.config("sh", "-c",
                    "trap 'touch /out/got-term; exit 42' TERM; touch /out/ready; while true; do sleep 1; done"),
                    init ? new String[] {"--init"} : new String[0]);
            c.helper().destroy(); // SIGTERM to the helper
            assertEquals(42, containers.finish(c.helper()).code(), "init=" + init);
            assertTrue(Files.exists(c.out().resolve("got-term")), "init=" + init);
        }
    }

    @Test
    void initIsPid1AndTheCommandItsChild() {
        Result r = containers.run(containers.config("sh", "-c", "echo $$; cat /proc/1/comm; sleep 0 & wait; exit 5"), "--init");
        assertEquals(5, r.code(), r.err());
        List<String> out = lines(r.out());
        assertEquals("2", out.get(0));
        assertTrue(out.get(1).startsWith("strata-nsexec"), out.get(1));
    }

    @Test
    void aUserNamespaceMapsContainerRootToHostUid100000() throws Exception {
        ObjectNode config = containers.config("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /out/ready; exec sleep 1000");
        Containers.userNamespace(config, 100000);
        Running c = containers.startReady(config);
        String status = Files.readString(Path.of("/proc/" + c.pid() + "/status"));
        assertTrue(status.contains("\nUid:\t100000\t100000\t100000\t100000\n"), "host view of the container's root: " + status);
        ProcessHandle.of(c.pid()).orElseThrow().destroyForcibly();
        Result r = containers.finish(c.helper());
        assertEquals(137, r.code(), r.err());
        List<String> lines = lines(r.out());
        assertEquals(List.of("0", "100000", "65536"), Arrays.asList(lines.get(0).split("\\s+")));
        assertEquals(List.of("0", "100000", "65536"), Arrays.asList(lines.get(1).split("\\s+")));
        assertEquals("0", lines.get(2));
    }

    @Test
    void aTerminalIsAPtyRelayedToTheHelpersStdio() throws Exception {
        ObjectNode config = containers.config("sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo both-ttys; read x; echo got-$x; exit 4");
        ((ObjectNode) config.get("process")).put("terminal", true);
        Process helper = containers.start(containers.runCommand(containers.bundle(config)));
        helper.getOutputStream().write("hello\n".getBytes());
        helper.getOutputStream().flush();
        Result r = containers.finish(helper);
        assertEquals(4, r.code(), r.err());
        List<String> out = lines(r.out().replace("\r", ""));
        assertTrue(out.contains("/dev/pts/0"), out.toString());
        assertTrue(out.contains("both-ttys"), out.toString());
        assertTrue(out.contains("got-hello"), out.toString());
    }

    @Test
    void theWindowSizeOfTheHelpersTtyReachesThePty() throws Exception {
        ObjectNode config = containers.config("stty", "size");
        ((ObjectNode) config.get("process")).put("terminal", true);
        String helper = String.join(" ", containers.runCommand(containers.bundle(config)));
        // script(1) gives the helper a tty of its own, with a known size
        Result r = containers.exec(List.of("script", "-qec", "stty rows 33 cols 111; " + helper, "/dev/null"));
        assertEquals(0, r.code(), r.err() + r.out());
        // (script may type its EOF into the pty when its stdin ends: the echo can come first on the line)
        assertTrue(r.out().replace("\r", "").matches("(?s).*33 111\n.*"), r.out());
    }
}
