package io.strata.jmh.store;

import io.strata.store.block.BlockStore;
import io.strata.store.block.db.MemoryBudget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A block store in a scratch directory under /var/tmp (a real disk, not tmpfs), deleted whole afterwards. */
final class StoreFixture implements AutoCloseable {
    final Path dir;
    final BlockStore store;

    StoreFixture(int unit) throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("strata.bench.dir", "/var/tmp")), "strata-jmh-");
        store = BlockStore.open(dir.resolve("db"), unit, MemoryBudget.DEFAULT, null);
    }

    @Override
    public void close() throws IOException {
        store.close();
        delete(dir);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
