package io.strata.fuse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** FuseMountTest's checks on the libfuse 2 high-level adapter (-Dstrata.fuse.api=hl), whatever the default is. */
class HighLevelMountTest extends FuseMountTest {
    private static String before;

    @BeforeAll
    static void highLevel() {
        before = System.getProperty("strata.fuse.api");
        System.setProperty("strata.fuse.api", "hl");
    }

    @AfterAll
    static void restore() {
        if (before == null) System.clearProperty("strata.fuse.api");
        else System.setProperty("strata.fuse.api", before);
    }
}
