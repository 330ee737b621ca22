package io.strata.launcher.run;

import io.strata.fuse.MountTable;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static io.strata.launcher.run.StrataRuns.IMAGE;
import static io.strata.launcher.run.StrataRuns.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container's life around strata run: detached (-d) with logs, ps, exec, stop and kill; the CLI's signals passed
 * on; and the cleanup that happens whatever ends the run — the CLI killed with SIGKILL, the daemon stopped.
 */
class RunLifecycleTest extends RunTests {
    @Test
    void detachedRunWithLogsPsExecAndStop() {
        StrataRuns.Result r = s.strata("run", "-d", "--name", "bg", IMAGE, "/bin/sh", "-c",
                "echo started; trap 'echo got term; exit 7' TERM; while true; do sleep 0.2; done");
        assertEquals(0, r.code(), r.all());
        assertEquals("bg\n", r.out(), "-d prints the name and returns");
        assertTrue(await(() -> s.strata("logs", "bg").out().contains("started"), 30), "logs: " + s.strata("logs", "bg").all());
        assertTrue(s.ps("bg").startsWith("bg\tUp "), s.ps("bg"));

        StrataRuns.Result same = s.strata("exec", "bg", "/bin/sh", "-c", "grep -c trap /proc/1/cmdline; uname -n; echo $PATH");
        assertEquals(0, same.code(), same.all());
        assertEquals(List.of("1", "bg", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), List.of(same.out().split("\n")),
                "the run's pid namespace (its pid 1), hostname and environment");
        StrataRuns.Result flags = s.strata("exec", "-e", "X=1", "-w", "/tmp", "-u", "65534", "bg", "/bin/sh", "-c", "echo $X; pwd; id -u");
        assertEquals(List.of("1", "/tmp", "65534"), List.of(flags.out().split("\n")), flags.all());
        assertEquals(127, s.strata("exec", "bg", "/no/such").code());
        assertEquals(3, s.strata("exec", "bg", "/bin/sh", "-c", "exit 3").code());

        StrataRuns.Result stop = s.strata("stop", "bg");
        assertEquals(0, stop.code(), stop.all());
        assertTrue(s.ps("bg").contains("\tExited (7) "), "its trap ran: " + s.ps("bg"));
        assertTrue(s.strata("logs", "bg").out().contains("got term"));
        assertEquals(List.of(), s.mounts(), "unmounted once it exited");
        assertEquals(List.of(), s.cgroups());
        assertEquals(125, s.strata("exec", "bg", "true").code(), "not running");
        assertEquals(0, s.strata("rm", "bg").code());
        assertNull(s.ps("bg"));
        assertFalse(Files.exists(s.runDir("bg").dir()), "rm removes its log and state");
        s.assertNothingLeft();
    }

    @Test
    void killSendsASignalAndStopEscalatesToSigkill() {
        assertEquals(0, s.strata("run", "-d", "--name", "k", IMAGE, "sleep", "1000").code());
        assertTrue(await(() -> s.runDir("k").pid() > 0, 30));
        assertEquals(0, s.strata("kill", "-s", "TERM", "k").code(), "sent (pid 1 has no handler: ignored)");
        assertTrue(s.ps("k").startsWith("k\tUp "), s.ps("k"));
        assertEquals(2, s.strata("kill", "-s", "NOSUCHSIG", "k").code());
        long t0 = System.nanoTime();
        assertEquals(0, s.strata("stop", "-t", "1", "k").code());
        assertTrue(s.ps("k").contains("\tExited (137) "), s.ps("k"));
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L);
        assertEquals(2, s.strata("kill", "k").code(), "not running any more");
        assertEquals(0, s.strata("run", "-d", "--name", "k2", IMAGE, "sleep", "1000").code());
        assertEquals(0, s.strata("kill", "k2").code());
        assertTrue(await(() -> String.valueOf(s.ps("k2")).contains("\tExited (137) "), 30), s.ps("k2"));
        s.assertNothingLeft();
    }

    @Test
    void sigtermSigintAndSighupToTheCliReachTheContainer() throws Exception {
        for (String sig : List.of("TERM", "INT", "HUP")) {
            Process p = s.start("run", "--rm", IMAGE, "/bin/sh", "-c",
                    "trap 'echo got " + sig + "; exit 42' " + sig + "; echo ready; while :; do sleep 0.1; done");
            assertTrue(await(() -> s.out(p).contains("ready"), 60), "started");
            assertTrue(Signals.kill(p.pid(), Signals.number(sig)));
            StrataRuns.Result r = s.finish(p);
            assertEquals(42, r.code(), sig + ": " + r.all());
            assertTrue(r.out().contains("got " + sig), r.out());
        }
        s.assertNothingLeft();
    }

    @Test
    void killMinus9OfTheCliLeavesNothingBehind() throws Exception {
        Process p = s.start("run", "--rm", "--name", "k9", IMAGE, "sleep", "1000");
        RunDir d = s.runDir("k9");
        assertTrue(await(() -> d.pid() > 0 && MountTable.isMounted(d.rootfs()) && !s.cgroups().isEmpty(), 60), "running");
        long container = d.pid();
        assertTrue(Procs.alive(container));
        p.destroyForcibly(); // SIGKILL: no finally, no shutdown hook runs in the CLI
        p.waitFor();
        assertTrue(await(() -> !Procs.alive(container) && !MountTable.isMounted(d.rootfs()) && s.cgroups().isEmpty()
                && s.mounts().isEmpty(), 10), "the daemon cleaned up within seconds");
        assertTrue(await(() -> s.ps("k9") == null, 10), "and removed the --rm container: " + s.ps("k9"));
        s.assertNothingLeft();
    }

    @Test
    void stoppingTheDaemonStopsItsRuns() {
        assertEquals(0, s.strata("run", "-d", "--name", "d", IMAGE, "sleep", "1000").code());
        assertTrue(await(() -> s.runDir("d").pid() > 0, 30));
        long container = s.runDir("d").pid();
        assertEquals(0, s.strata("daemon", "stop").code());
        assertFalse(Procs.alive(container));
        assertEquals(List.of(), s.mounts());
        assertEquals(List.of(), s.cgroups());
        assertTrue(s.ps("d").contains("\tExited (137) "), "a new daemon knows how it ended: " + s.ps("d"));
        s.assertNothingLeft();
    }
}
