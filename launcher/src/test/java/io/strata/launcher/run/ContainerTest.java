package io.strata.launcher.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A test of strata-nsexec with real namespaces and cgroups: root only; every test ends with Containers' leak checks. */
abstract class ContainerTest {
    @TempDir
    Path base;
    Containers containers;

    @BeforeEach
    void createContainers() {
        assumeTrue(Containers.root(), "namespaces, mounts and cgroups need root");
        containers = new Containers(base);
    }

    @AfterEach
    void checkNothingLeft() throws Exception {
        if (containers != null) containers.close();
    }
}
