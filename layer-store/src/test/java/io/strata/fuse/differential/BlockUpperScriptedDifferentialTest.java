package io.strata.fuse.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every scripted differential case again, with the block store as Strata's writable layer: the merged view must match
 * kernel overlayfs (the kernel cannot mount a store, so the swap checks do not apply).
 */
class BlockUpperScriptedDifferentialTest extends ScriptedDifferentialTest {
    @BeforeAll
    static void blockUpper() {
        DiffEnv.unions = BlockUpper.INSTANCE;
    }

    @AfterAll
    static void upperDir() {
        DiffEnv.unions = DiffEnv.UPPER_DIR;
    }
}
