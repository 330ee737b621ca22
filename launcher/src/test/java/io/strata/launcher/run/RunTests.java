package io.strata.launcher.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A test of strata run: each test method gets its own store with the test image, checked for leftovers after it. */
abstract class RunTests {
    @TempDir
    Path base;
    StrataRuns s;

    /** Whether strata run goes through the native client and the daemon (the ./strata wrapper's way) or the JVM CLI. */
    boolean throughClient() {
        return false;
    }

    @BeforeEach
    void store() {
        s = new StrataRuns(base, throughClient());
    }

    @AfterEach
    void cleanUp() {
        try {
            if (throughClient()) assertEquals(List.of(), s.fallbacks(), "runs the client handed to the JVM CLI");
        } finally {
            s.close();
        }
    }
}
