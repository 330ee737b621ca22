package io.strata.fuse.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The seeded random differential run with the block store as Strata's writable layer. */
class BlockUpperRandomDifferentialTest extends RandomDifferentialTest {
    @BeforeAll
    static void blockUpper() {
        DiffEnv.unions = BlockUpper.INSTANCE;
    }

    @AfterAll
    static void upperDir() {
        DiffEnv.unions = DiffEnv.UPPER_DIR;
    }
}
