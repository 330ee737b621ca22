package io.strata.launcher.snapshotter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All snapshot metadata in one JSON file, {@code ROOT/metadata.json}, replaced whole and atomically (write a
 * temporary file, fsync, rename, fsync the directory) on every change: each change is one transaction, as
 * containerd's bolt metastore makes it. Not thread-safe: {@link Snapshotter} holds its lock around every use.
 */
final class MetadataStore {
    /** What the file holds: the next directory id and the snapshots by key (active, view) or name (committed). */
    record Contents(long nextId, List<Snapshot> snapshots) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private long nextId;
    private final Map<String, Snapshot> byKey = new LinkedHashMap<>();

    MetadataStore(Path root) {
        this.file = root.resolve("metadata.json");
        if (Files.exists(file)) {
            try {
                Contents c = JSON.readValue(file.toFile(), Contents.class);
                nextId = c.nextId();
                for (Snapshot s : c.snapshots()) byKey.put(s.name(), s);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file, e);
            }
        } else {
            nextId = 1;
        }
    }

    Snapshot get(String key) {
        return byKey.get(key);
    }

    List<Snapshot> all() {
        return new ArrayList<>(byKey.values());
    }

    boolean hasChild(String name) {
        return byKey.values().stream().anyMatch(s -> s.parent().equals(name));
    }

    String newId() {
        return Long.toString(nextId++);
    }

    /** Applies {@code remove} then {@code put} (either may be null) and writes the file; in memory only if that worked. */
    void commit(String remove, Snapshot put) {
        Map<String, Snapshot> next = new LinkedHashMap<>(byKey);
        if (remove != null) next.remove(remove);
        if (put != null) next.put(put.name(), put);
        write(new Contents(nextId, new ArrayList<>(next.values())));
        byKey.clear();
        byKey.putAll(next);
    }

    private void write(Contents c) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(c));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
