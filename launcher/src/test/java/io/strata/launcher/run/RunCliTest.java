package io.strata.launcher.run;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static io.strata.launcher.run.StrataRuns.IMAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code strata run} of the bundled test image, as a user runs it (the CLI in its own JVM, the store daemon, the
 * container mounted through FUSE, real namespaces and cgroups): what the command sees, what it writes, how it ends.
 */
class RunCliTest extends RunTests {
    private StrataRuns.Result run(String... args) {
        String[] a = new String[args.length + 1];
        a[0] = "run";
        System.arraycopy(args, 0, a, 1, args.length);
        return s.strata(a);
    }

    @Test
    void theCommandIsPid1InItsOwnNamespacesWithDockersCapabilitiesAndItsStatusIsStratas() {
        StrataRuns.Result r = run("--rm", IMAGE, "/bin/sh", "-c", "echo hello; echo pid=$$; uname -n; ls /sys/class/net;"
                + " echo procs=$(ls /proc | grep -c '^[0-9]'); grep CapEff /proc/self/status; echo kcore=$(cat /proc/kcore | busybox wc -c);"
                + " echo keys=$(cat /proc/keys | busybox wc -c); cat /etc/motd; exit 3");
        assertEquals(3, r.code(), r.all());
        List<String> lines = List.of(r.out().split("\n"));
        assertEquals("hello", lines.get(0));
        assertEquals("pid=1", lines.get(1), "pid 1 of its own pid namespace");
        assertTrue(lines.get(2).matches("t-[0-9a-f]{6}"), "hostname: the generated container name: " + lines.get(2));
        assertEquals("lo", lines.get(3), "a network namespace with only lo");
        assertTrue(Integer.parseInt(lines.get(4).substring(6)) <= 4, "/proc shows only the container's processes: " + lines.get(4));
        assertEquals("CapEff:\t00000000a80425fb", lines.get(5), "docker's default capabilities");
        assertEquals("kcore=0", lines.get(6), "masked");
        assertEquals("keys=0", lines.get(7), "masked");
        assertEquals("motd of layer 2", lines.get(8), "the image's layers, merged");
        assertEquals(List.of(), s.mounts());
        s.assertNothingLeft();
        assertTrue(s.strata("ps").out().isBlank(), "--rm removed the container");
    }

    @Test
    void imageDefaultsAndTheFlagsOverThem() throws Exception {
        assertEquals(0, run("--rm", IMAGE).code(), "the image's Cmd: /bin/sh, with stdin at its end");
        StrataRuns.Result r = run("--rm", "-e", "FOO=bar", "-e", "PATH=/bin", "-w", "/work/dir", "-u", "65534:65534", "-h", "myhost",
                IMAGE, "/bin/sh", "-c", "echo $FOO; pwd; id -u; id -g; uname -n; cat /etc/hostname; echo $HOME; echo $PATH; echo $HOSTNAME");
        assertEquals(0, r.code(), r.all());
        assertEquals(List.of("bar", "/work/dir", "65534", "65534", "myhost", "myhost", "/", "/bin", "myhost"), List.of(r.out().split("\n")));
        StrataRuns.Result named = run("--rm", "-u", "nobody", IMAGE, "/bin/sh", "-c", "id -u; id -g; echo $HOME");
        assertEquals(List.of("65534", "65534", "/"), List.of(named.out().split("\n")), "a user name from the image's /etc/passwd");
        StrataRuns.Result noUser = run("--rm", "-u", "mallory", IMAGE, "true");
        assertEquals(125, noUser.code());
        assertTrue(noUser.err().contains("unable to find user mallory"), noUser.err());
        s.assertNothingLeft();
    }

    @Test
    void writesLandInTheWritableLayerAndSurviveTheNextRunOfTheContainer() {
        StrataRuns.Result first = run("--name", "c", IMAGE, "/bin/sh", "-c", "echo data > /root/f; rm /etc/motd");
        assertEquals(0, first.code(), first.all());
        String diff = s.strata("diff", "c").out();
        assertTrue(diff.contains("A /root/f") && diff.contains("D /etc/motd"), diff);
        assertTrue(s.ps("c").contains("\tExited (0) "), s.ps("c"));
        StrataRuns.Result again = run("c", "/bin/sh", "-c", "cat /root/f; ls /etc/motd");
        assertEquals(1, again.code(), "ls of the deleted file fails: " + again.all());
        assertEquals("data\n", again.out());
        assertEquals(0, run("--rm", "c", "true").code());
        assertNull(s.ps("c"), "--rm of an existing container removes it");
        s.assertNothingLeft();
    }

    @Test
    void exitStatusesAreDockers() {
        assertEquals(127, run("--rm", IMAGE, "/no/such/command").code(), "not found");
        assertEquals(126, run("--rm", IMAGE, "/etc/motd").code(), "not executable");
        assertEquals(1, run("--rm", IMAGE, "/bin/false").code());
        assertEquals(143, run("--rm", "--init", IMAGE, "/bin/sh", "-c", "kill -TERM $$").code(), "128 + SIGTERM");
        StrataRuns.Result missing = run("--rm", "no/such:image");
        assertEquals(125, missing.code());
        assertTrue(missing.err().contains("no such image or container: no/such:image"), missing.err());
        assertEquals(125, run("--bogus", IMAGE).code(), "a usage error of run is strata's: 125");
        assertEquals(125, run("--rm", "-m", "lots", IMAGE, "true").code());
        assertEquals(125, run("--rm", "--net", "bridge", IMAGE, "true").code());
        StrataRuns.Result ls = run("--rm", IMAGE, "/bin/ls", "-d", "/etc");
        assertEquals("/etc\n", ls.out(), "-d after the image is ls's, not run's");
        assertTrue(s.strata("ps").out().isBlank(), "every --rm container is gone: " + s.strata("ps").out());
        s.assertNothingLeft();
    }

    @Test
    void userNamespaceMakesContainerRootAnUnprivilegedHostUidThatOwnsTheImagesFiles() {
        StrataRuns.Result r = run("--name", "u", "--userns", IMAGE, "/bin/sh", "-c",
                "id -u; cat /proc/self/uid_map; stat -c %u /etc/motd; echo x > /root/made; stat -c %u:%g /root/made");
        assertEquals(0, r.code(), r.all());
        List<String> lines = List.of(r.out().split("\n"));
        assertEquals("0", lines.get(0));
        assertEquals(List.of("0", "100000", "65536"), List.of(lines.get(1).trim().split("\\s+")));
        assertEquals("0", lines.get(2), "the image's root-owned files are the container root's");
        assertEquals("0:0", lines.get(3));
        StrataRuns.Result plain = run("--rm", "u", "stat", "-c", "%u:%g", "/root/made");
        assertEquals("0:0\n", plain.out(), "stored as the container's root, not host uid 100000: " + plain.all());
        s.assertNothingLeft();
    }

    @Test
    void readOnlyRootAndVolumes() throws Exception {
        Path rw = Files.createDirectories(base.resolve("vol"));
        Path ro = Files.createDirectories(base.resolve("ro"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(rw.resolve("in"), "from the host\n");
        StrataRuns.Result r = run("--rm", "--read-only", "-v", rw + ":/data", "-v", ro + ":/ro:ro", IMAGE, "/bin/sh", "-c",
                "cat /data/in; echo out > /data/out; (echo x > /x) || echo root-ro; (echo y > /ro/y) || echo vol-ro; echo tmp > /dev/shm/ok && echo shm-rw");
        assertEquals(0, r.code(), r.all());
        assertEquals(2, r.err().split("Read-only file system", -1).length - 1, r.err());
        assertEquals(List.of("from the host", "root-ro", "vol-ro", "shm-rw"), List.of(r.out().split("\n")));
        assertEquals("out\n", Files.readString(rw.resolve("out")));
        assertFalse(Files.exists(ro.resolve("y")));
        s.assertNothingLeft();
    }

    @Test
    void netNoneHasOnlyLoAndNetHostIsTheHosts() {
        assertEquals("lo\n", run("--rm", IMAGE, "ls", "/sys/class/net").out());
        StrataRuns.Result host = run("--rm", "--net", "host", IMAGE, "ls", "/sys/class/net");
        assertTrue(host.out().split("\n").length > 1, host.all());
        s.assertNothingLeft();
    }

    @Test
    void ttyGivesTheCommandATerminal() throws Exception {
        // script(1) runs strata on a pty, as a user's terminal would
        String cmd = String.join(" ", s.command("run", "--rm", "-t", IMAGE, "/bin/busybox", "tty"));
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("/dev/pts/0"), "a pty of the container's own devpts: " + out);
        s.assertNothingLeft();
    }
}
