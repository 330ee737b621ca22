package io.strata.store.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a store lives: {@code --store DIR}, else {@code $STRATA_STORE}, else {@code /var/lib/strata}. RocksDB is in
 * {@code STORE/db/}, the daemon's socket is {@code STORE/strata.sock}; the directory is owner-only (0700).
 */
public record StoreRoot(Path dir) {
    public static final String DEFAULT = "/var/lib/strata";

    public static StoreRoot resolve(Path option) {
        if (option != null) return new StoreRoot(option.toAbsolutePath().normalize());
        String env = System.getenv("STRATA_STORE");
        return new StoreRoot(Path.of(env != null && !env.isBlank() ? env : DEFAULT).toAbsolutePath().normalize());
    }

    public Path db() {
        return dir.resolve("db");
    }

    public Path socket() {
        return dir.resolve("strata.sock");
    }

    /** Creates the directory (owner-only) if needed. */
    public void create() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
