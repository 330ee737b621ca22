package io.strata.store.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.strata.store.StoreException;
import io.strata.store.Trees;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Containers on images, until the block store (issue #4) gives them their writable layer: an overlay-format upper
 * directory per container, {@code STORE/containers/NAME/{container.json,upper/,work/}}, made by one rename.
 * An image that a container uses cannot be removed (so neither can its layers).
 */
public final class ContainerStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ImageStore images;

    public ContainerStore(ImageStore images) {
        this.images = images;
    }

    public ImageStore images() {
        return images;
    }

    Path dir() {
        return images.root().resolve("containers");
    }

    public Path upper(ContainerRecord c) {
        return dir().resolve(c.name()).resolve("upper");
    }

    public Path work(ContainerRecord c) {
        return dir().resolve(c.name()).resolve("work");
    }

    /** The mount source a container's union shows in /proc/self/mountinfo. */
    public static String mountSource(String name) {
        return "strata-container:" + name;
    }

    public ContainerRecord create(String name, String imageRef) {
        if (!NAME.matcher(name).matches())
            throw new StoreException("invalid container name '" + name + "' (letters, digits, _ . -; 128 at most)");
        try (ImageStore.Lock l = images.lock()) {
            ImageRecord image = images.find(imageRef);
            Path target = dir().resolve(name);
            if (Files.exists(target)) throw new StoreException("a container named " + name + " exists already");
            Files.createDirectories(dir());
            Path t = Files.createTempDirectory(images.root().resolve("tmp"), "container-");
            Files.createDirectory(t.resolve("upper"));
            Files.createDirectory(t.resolve("work"));
            ContainerRecord c = new ContainerRecord(name, image.id(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            JSON.writeValue(t.resolve("container.json").toFile(), c);
            Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
            return c;
        } catch (IOException e) {
            throw new StoreException("creating container " + name + ": " + e.getMessage(), e);
        }
    }

    public ContainerRecord find(String name) {
        Path f = dir().resolve(name).resolve("container.json");
        if (!NAME.matcher(name).matches() || !Files.isRegularFile(f)) throw new StoreException("no such container: " + name);
        try {
            return JSON.readValue(f.toFile(), ContainerRecord.class);
        } catch (IOException e) {
            throw new StoreException("container " + name + ": " + e.getMessage(), e);
        }
    }

    public List<ContainerRecord> list() {
        List<ContainerRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir())) return out;
        try (Stream<Path> s = Files.list(dir())) {
            for (Path p : s.sorted().toList())
                if (Files.isRegularFile(p.resolve("container.json"))) out.add(find(p.getFileName().toString()));
        } catch (IOException e) {
            throw new StoreException("listing containers: " + e.getMessage(), e);
        }
        return out;
    }

    public void remove(String name) {
        ContainerRecord c = find(name);
        requireUnmounted(c);
        try (ImageStore.Lock l = images.lock()) {
            Path gone = images.root().resolve("tmp").resolve("rm-container-" + name);
            Files.move(dir().resolve(name), gone, StandardCopyOption.ATOMIC_MOVE);
            Trees.delete(gone);
        } catch (IOException e) {
            throw new StoreException("removing container " + name + ": " + e.getMessage(), e);
        }
    }

    /** Refuses while the container's union is mounted (its upper directory is then changing). */
    public void requireUnmounted(ContainerRecord c) {
        String where = mountedAt(c.name());
        if (where != null) throw new StoreException("container " + c.name() + " is mounted at " + where + ": unmount it first");
    }

    /** Remembers where the container's union is mounted ({@code containers/NAME/mounted-at}; stale once unmounted). */
    public void recordMount(ContainerRecord c, Path mountPoint) {
        try {
            Files.writeString(dir().resolve(c.name()).resolve("mounted-at"), mountPoint.toAbsolutePath().normalize().toString());
        } catch (IOException e) {
            throw new StoreException("container " + c.name() + ": " + e.getMessage(), e);
        }
    }

    /** Where the container's union is mounted now, or null: the recorded mount point, if a Strata union is there. */
    public String mountedAt(String name) {
        Path f = dir().resolve(name).resolve("mounted-at");
        try {
            if (!Files.isRegularFile(f)) return null;
            String mp = Files.readString(f).trim();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                int dash = java.util.Arrays.asList(fields).indexOf("-");
                if (dash > 4 && fields[4].replace("\\040", " ").equals(mp) && fields[dash + 1].startsWith("fuse")) return mp;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
