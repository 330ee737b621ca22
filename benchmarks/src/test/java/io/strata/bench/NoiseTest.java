package io.strata.bench;

import org.junit.jupiter.api.Test;

import static io.strata.bench.Noise.Decision.KEEP;
import static io.strata.bench.Noise.Decision.KEEP_DISTURBED;
import static io.strata.bench.Noise.Decision.RERUN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Another process dropping the caches during a timed step is seen in /proc/vmstat and the sample taken again. */
class NoiseTest {
    private static final String VMSTAT = """
            nr_free_pages 5532418
            nr_zone_inactive_anon 73
            drop_pagecache 416
            drop_slab 417
            oom_kill 2
            """;

    @Test
    void readsTheDropCountersOfVmstat() {
        Noise.Drops d = Noise.Drops.parse(VMSTAT);
        assertEquals(416, d.pagecache());
        assertEquals(417, d.slab());
    }

    @Test
    void aKernelWithoutTheCountersSeesNoDrop() {
        Noise.Drops none = Noise.Drops.parse("nr_free_pages 5532418\ngarbage\ndrop_pagecache x\n");
        assertEquals(Noise.Drops.UNKNOWN, none);
        assertFalse(Noise.droppedBetween(none, none));
        assertFalse(Noise.droppedBetween(none, Noise.Drops.parse(VMSTAT)));
    }

    @Test
    void aDropOfEitherKindBetweenTheReadingsIsSeen() {
        Noise.Drops before = Noise.Drops.parse(VMSTAT);
        assertFalse(Noise.droppedBetween(before, before));
        // echo 1 > drop_caches counts drop_pagecache, 2 drop_slab, 3 both
        assertTrue(Noise.droppedBetween(before, new Noise.Drops(417, 417)));
        assertTrue(Noise.droppedBetween(before, new Noise.Drops(416, 418)));
        assertTrue(Noise.droppedBetween(before, new Noise.Drops(417, 418)));
    }

    @Test
    void theLiveCountersCanBeRead() {
        Noise.Drops now = Noise.Drops.read(); // Linux ≥ 4.x has them; elsewhere UNKNOWN, which is fine too
        Noise.Drops later = Noise.Drops.read();
        assertTrue(now.pagecache() <= later.pagecache());
    }

    @Test
    void aDisturbedSampleOfARepeatableWorkloadIsTakenAgainUpToTheLimit() {
        assertEquals(KEEP, Noise.decide(false, 1, true));
        assertEquals(RERUN, Noise.decide(true, 1, true));
        assertEquals(RERUN, Noise.decide(true, Noise.MAX_ATTEMPTS - 1, true));
        assertEquals(KEEP_DISTURBED, Noise.decide(true, Noise.MAX_ATTEMPTS, true));
        assertEquals(KEEP, Noise.decide(false, Noise.MAX_ATTEMPTS, true));
    }

    @Test
    void aWorkloadThatChangesTheUnionIsNeverTakenAgain() {
        assertEquals(KEEP_DISTURBED, Noise.decide(true, 1, false));
        assertEquals(KEEP, Noise.decide(false, 1, false));
        assertFalse(ReportTest.workload("untar", "untar").repeatable());
        assertFalse(ReportTest.workload("rm-rf", "rm").repeatable());
        assertFalse(ReportTest.workload("copy-up", "copy-up").repeatable());
        assertTrue(ReportTest.workload("walk-cold", "walk").repeatable());
        assertTrue(ReportTest.workload("seq-read-warm", "read").repeatable());
    }
}
