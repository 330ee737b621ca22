package io.strata.launcher.run;

import io.strata.launcher.run.cgroup.Cgroup;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.strata.launcher.run.StrataRuns.IMAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cgroup limits of strata run doing their work: an OOM kill, a fork refused, a CPU quota held. */
class RunLimitsTest extends RunTests {
    @Test
    void anAllocationOverTheMemoryLimitIsKilledWith137AndSaysSo() {
        StrataRuns.Result r = s.strata("run", "--rm", "-m", "32m", IMAGE, "/bin/busybox", "dd", "if=/dev/zero", "of=/dev/null",
                "bs=100M", "count=1");
        assertEquals(137, r.code(), r.all());
        assertTrue(r.err().contains("strata: killed: out of memory (limit 32m)"), r.err());
        StrataRuns.Result fits = s.strata("run", "--rm", "-m", "32m", IMAGE, "/bin/busybox", "dd", "if=/dev/zero", "of=/dev/null",
                "bs=1M", "count=1");
        assertEquals(0, fits.code(), "1 MiB fits: " + fits.all());
        assertTrue(!fits.err().contains("out of memory"), fits.err());
        s.assertNothingLeft();
    }

    @Test
    void aPidsLimitMakesForkFail() {
        StrataRuns.Result r = s.strata("run", "--rm", "--pids-limit", "5", IMAGE, "/bin/sh", "-c",
                "n=0; while [ $n -lt 10 ]; do sleep 30 & n=$((n+1)); done; echo spawned");
        assertTrue(r.all().contains("can't fork") || r.all().contains("Resource temporarily unavailable"), r.all());
        StrataRuns.Result within = s.strata("run", "--rm", "--pids-limit", "5", IMAGE, "/bin/sh", "-c", "sleep 0 & sleep 0 & wait; echo ok");
        assertEquals("ok\n", within.out(), within.all());
        s.assertNothingLeft();
    }

    /**
     * A busy loop under --cpus 0.5 gets about half a CPU, measured from the cgroup's CPU time (cpuacct.usage on v1,
     * cpu.stat on v2) over ~2 s windows. The quota is an upper bound enforced by the kernel: no window may exceed
     * 65%. On this shared 2-core machine the loop may get less than its share when other work runs, so the lower
     * bound (35%) must hold in one of up to five windows, not in every one.
     */
    @Test
    void halfACpuIsHalfACpu() throws Exception {
        Process run = s.start("run", "--rm", "--name", "busy", "--cpus", "0.5", IMAGE, "/bin/sh", "-c", "while :; do :; done");
        try {
            Cgroup cg = s.cgroup("busy");
            assertTrue(StrataRuns.await(() -> !cg.pids().isEmpty(), 60), "the loop runs in its cgroup");
            List<Double> shares = new ArrayList<>();
            boolean inRange = false;
            for (int i = 0; i < 5 && !inRange; i++) {
                long u0 = cg.cpuUsageNanos(), t0 = System.nanoTime();
                Thread.sleep(2000); // the measuring window, not a wait for something to happen
                long u1 = cg.cpuUsageNanos(), t1 = System.nanoTime();
                double share = (double) (u1 - u0) / (t1 - t0);
                shares.add(share);
                assertTrue(share <= 0.65, "the quota holds: " + shares);
                inRange = share >= 0.35;
            }
            assertTrue(inRange, "about half a CPU in some window: " + shares);
        } finally {
            assertEquals(0, s.strata("kill", "busy").code());
            assertEquals(137, s.finish(run).code(), "killed by SIGKILL");
        }
        s.assertNothingLeft();
    }
}
