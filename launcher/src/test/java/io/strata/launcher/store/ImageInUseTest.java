package io.strata.launcher.store;

import io.strata.launcher.Cli;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An image under a block-store container cannot be removed (its layers are the container's lowers) until it goes. */
class ImageInUseTest {
    @TempDir
    Path base;
    private Path store;

    private int strata(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--store=" + store);
        return Cli.run(a.toArray(String[]::new)).code();
    }

    @AfterEach
    void stopDaemon() {
        if (store != null && Files.exists(store.resolve("strata.sock"))) strata("daemon", "stop");
    }

    @Test
    void imageRmIsRefusedWhileABlockContainerUsesIt() throws Exception {
        store = base.resolve("store");
        Path archive = base.resolve("three.docker.tar");
        ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
        assertEquals(0, strata("image", "import", archive.toString(), "--name", "t:1"));
        assertEquals(0, strata("create", "--name", "c", "t:1"));
        assertEquals(2, strata("create", "--name", "c", "t:1"), "the name is taken");
        assertEquals(2, strata("image", "rm", "t:1"), "refused: container c uses it");
        try (var layers = Files.list(store.resolve("layers/sha256"))) {
            assertEquals(3, layers.count(), "and its layers are all there");
        }
        assertEquals(0, strata("rm", "c"));
        assertEquals(0, strata("image", "rm", "t:1"), "free to go once the container is gone");
        try (var layers = Files.list(store.resolve("layers/sha256"))) {
            assertTrue(layers.findAny().isEmpty(), "with its layers");
        }
    }
}
