package io.strata.launcher.run;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.strata.launcher.run.StrataRuns.IMAGE;
import static io.strata.launcher.run.StrataRuns.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Twenty runs that end in twenty different ways, then nothing of them is left: no mount, cgroup or process. */
class RunLeakTest extends RunTests {
    private void expect(List<String> failures, int code, String... args) {
        StrataRuns.Result r = s.strata(args);
        if (r.code() != code) failures.add(String.join(" ", args) + " → " + r.code() + " (expected " + code + "): " + r.all());
    }

    @Test
    void twentyRunsFailingInDifferentWaysLeaveNothing() {
        List<String> f = new ArrayList<>();
        expect(f, 127, "run", "--rm", IMAGE, "/no/such/command");
        expect(f, 126, "run", "--rm", IMAGE, "/etc/motd");
        expect(f, 1, "run", "--rm", IMAGE, "/bin/false");
        expect(f, 255, "run", "--rm", IMAGE, "/bin/sh", "-c", "exit 255");
        expect(f, 137, "run", "--rm", "-m", "32m", IMAGE, "/bin/busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1");
        expect(f, 143, "run", "--rm", "--init", IMAGE, "/bin/sh", "-c", "kill -TERM $$");
        expect(f, 125, "run", "--rm", "no/such:image");
        expect(f, 125, "run", "--bogus-flag", IMAGE);
        expect(f, 125, "run", "--rm", "-u", "mallory", IMAGE, "true");
        expect(f, 125, "run", "--rm", "-v", "/no/such/dir:/x", IMAGE, "true");
        expect(f, 1, "run", "--rm", "--read-only", IMAGE, "/bin/sh", "-c", "echo x > /x");
        expect(f, 2, "run", "--rm", "--pids-limit", "3", IMAGE, "/bin/sh", "-c", "sleep 2 & sleep 2 & sleep 2 & sleep 2 & wait; exit 2");
        expect(f, 127, "run", "--rm", "--userns", IMAGE, "/no/such/command");
        expect(f, 2, "run", "--rm", "--cpus", "0.5", "--net", "host", IMAGE, "/bin/sh", "-c", "exit 2");
        expect(f, 125, "exec", "not-running", "true");

        // a detached run that fails: the daemon cleans up when its shim exits, ps says how it ended
        expect(f, 0, "run", "-d", "--name", "d1", IMAGE, "/bin/sh", "-c", "exit 3");
        if (!await(() -> String.valueOf(s.ps("d1")).contains("Exited (3)"), 30)) f.add("d1: " + s.ps("d1"));
        // a second run of a running container is refused; the first goes on
        expect(f, 0, "run", "-d", "--name", "dup", IMAGE, "sleep", "1000");
        expect(f, 125, "run", "dup", "true");
        expect(f, 0, "kill", "dup");
        // the CLI killed with SIGKILL mid-run; then one told to stop with SIGTERM (--init passes it to the command)
        Process killed = s.start("run", "--rm", "--name", "k9", IMAGE, "sleep", "1000");
        if (!await(() -> s.runDir("k9").pid() > 0, 60)) f.add("k9 did not start");
        killed.destroyForcibly();
        Process termed = s.start("run", "--rm", "--init", IMAGE, "sleep", "1000");
        if (!await(() -> !s.cgroups().isEmpty() && s.processes().size() > 1, 60)) f.add("termed did not start");
        Signals.kill(termed.pid(), Signals.number("TERM"));
        int termedCode = s.finish(termed).code();
        if (termedCode != 143) f.add("SIGTERM to the CLI → " + termedCode);

        assertEquals(List.of(), f);
        assertTrue(await(() -> s.strata("ps").out().lines().noneMatch(l -> l.contains("\tUp ")), 20), s.strata("ps").out());
        s.assertNothingLeft();
    }
}
