package io.strata.launcher.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** A test of strata run: each test method gets its own store with the test image, checked for leftovers after it. */
abstract class RunTests {
    @TempDir
    Path base;
    StrataRuns s;

    @BeforeEach
    void store() {
        s = new StrataRuns(base);
    }

    @AfterEach
    void cleanUp() {
        s.close();
    }
}
