package io.strata.store.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.strata.store.StoreException;
import io.strata.store.Trees;
import io.strata.store.tar.LayerWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The image side of a Strata store:
 * <pre>
 *   STORE/images/sha256/ID/{image.json,config.json,manifest.json}   ID = config digest
 *   STORE/layers/sha256/DIFFID/{diff/,layer.json}                    diff/ is a layer in kernel overlayfs format
 *   STORE/tmp/                                                        imports in progress (renamed into place)
 *   STORE/lock                                                        held while the store changes
 * </pre>
 * Every change becomes visible by one rename, so a crash or a refused import leaves nothing half-made; leftovers in
 * tmp/ are removed by the next writer. (STORE/db/ belongs to the block store.)
 */
public final class ImageStore {
    public static final String ENV = "STRATA_STORE";
    public static final Path DEFAULT = Path.of("/var/lib/strata");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;

    public ImageStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** --store if given, else $STRATA_STORE, else /var/lib/strata. */
    public static Path rootFrom(Path flag) {
        if (flag != null) return flag;
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? Path.of(env) : DEFAULT;
    }

    public Path root() {
        return root;
    }

    Path images() {
        return root.resolve("images/sha256");
    }

    Path layers() {
        return root.resolve("layers/sha256");
    }

    Path tmp() {
        return root.resolve("tmp");
    }

    public Path layerDir(String diffIdHex) {
        return layers().resolve(diffIdHex).resolve("diff");
    }

    /** The blob an imported layer came in, or null (a committed layer, or one imported before blobs were kept). */
    public Path layerBlob(String diffIdHex) {
        Path p = layers().resolve(diffIdHex).resolve(LayerRecord.BLOB);
        return Files.isRegularFile(p) ? p : null;
    }

    boolean hasLayer(String diffIdHex) {
        return Files.isDirectory(layerDir(diffIdHex)) && Files.isRegularFile(layers().resolve(diffIdHex).resolve("layer.json"));
    }

    /** The layers' directories, top first: a union's lowerdir= order. */
    public List<Path> lowerDirsTopFirst(ImageRecord image) {
        List<Path> dirs = new ArrayList<>();
        for (int i = image.layers().size() - 1; i >= 0; i--) {
            String hex = Digest.parse(image.layers().get(i).diffId(), "layer").hex();
            if (!hasLayer(hex)) throw new StoreException("image " + image.shortId() + ": layer " + hex + " is missing from the store");
            dirs.add(layerDir(hex));
        }
        return dirs;
    }

    // ---- records ----

    public List<ImageRecord> list() {
        if (!Files.isDirectory(images())) return List.of();
        List<ImageRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(images())) {
            for (Path d : s.sorted().toList()) {
                Path f = d.resolve("image.json");
                if (Files.isRegularFile(f)) out.add(JSON.readValue(f.toFile(), ImageRecord.class));
            }
        } catch (IOException e) {
            throw new StoreException("reading the image list of " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** By NAME[:TAG], by id (sha256:HEX, HEX) or by a unique id prefix of at least 4 hex digits. */
    public ImageRecord find(String ref) {
        List<ImageRecord> all = list();
        String id = ref.startsWith("sha256:") ? ref.substring(7) : ref;
        if (id.matches("[0-9a-f]{4,64}")) {
            List<ImageRecord> byId = all.stream().filter(r -> r.id().startsWith(id)).toList();
            if (byId.size() == 1) return byId.get(0);
            if (byId.size() > 1) throw new StoreException("image id prefix " + id + " is ambiguous");
        }
        if (Reference.isValid(ref)) {
            String name = Reference.parse(ref).toString();
            for (ImageRecord r : all) if (r.names().contains(name)) return r;
        }
        throw new StoreException("no such image: " + ref + " (in " + root + ")");
    }

    public byte[] config(ImageRecord image) {
        return read(images().resolve(image.id()).resolve("config.json"));
    }

    public byte[] manifest(ImageRecord image) {
        Path p = images().resolve(image.id()).resolve("manifest.json");
        return Files.isRegularFile(p) ? read(p) : null;
    }

    public LayerRecord layerRecord(String diffIdHex) {
        try {
            return JSON.readValue(layers().resolve(diffIdHex).resolve("layer.json").toFile(), LayerRecord.class);
        } catch (IOException e) {
            throw new StoreException("layer " + diffIdHex + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new StoreException("reading " + p + ": " + e.getMessage(), e);
        }
    }

    /** Writes image.json by a rename over the old one. */
    void writeRecord(Path imageDir, ImageRecord r) {
        try {
            Path t = Files.createTempFile(tmp(), "image-", ".json");
            JSON.writeValue(t.toFile(), r);
            move(t, imageDir.resolve("image.json"));
        } catch (IOException e) {
            throw new StoreException("writing image " + r.shortId() + ": " + e.getMessage(), e);
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException("the store's tmp/ and its target are on different filesystems: " + from + ", " + to);
        }
    }

    /** Gives {@code name} to image {@code id} only: another image holding it loses it. */
    void claimName(String id, String name) {
        for (ImageRecord r : list()) {
            boolean has = r.names().contains(name);
            if (r.id().equals(id) && !has) {
                List<String> n = new ArrayList<>(r.names());
                n.add(name);
                writeRecord(images().resolve(r.id()), r.withNames(n));
            } else if (!r.id().equals(id) && has) {
                List<String> n = new ArrayList<>(r.names());
                n.remove(name);
                writeRecord(images().resolve(r.id()), r.withNames(n));
            }
        }
    }

    // ---- new layers and images made here (commit); the caller holds the lock ----

    /**
     * Adds the layer directory {@code tmp/diff} (tmp inside the store's tmp/): its diff_id is the sha256 of
     * LayerWriter's tar of it; tmp is renamed into layers/, or deleted when the store has that layer already.
     */
    public ImageRecord.LayerRef addLayerDir(Path tmp) throws IOException {
        MessageDigest md = Digest.sha256();
        long[] size = {0};
        java.io.OutputStream sink = new java.io.OutputStream() {
            public void write(int b) {
                md.update((byte) b);
                size[0]++;
            }

            public void write(byte[] b, int off, int len) {
                md.update(b, off, len);
                size[0] += len;
            }
        };
        LayerWriter.write(tmp.resolve("diff").toString(), sink, null);
        Digest diffId = Digest.of(md);
        long entries;
        try (Stream<Path> s = Files.walk(tmp.resolve("diff"))) {
            entries = s.count() - 1;
        }
        if (hasLayer(diffId.hex())) {
            Trees.delete(tmp);
        } else {
            JSON.writeValue(tmp.resolve("layer.json").toFile(), new LayerRecord(diffId.toString(), null, entries, size[0], null, null));
            move(tmp, layers().resolve(diffId.hex()));
        }
        return new ImageRecord.LayerRef(diffId.toString(), null, "application/vnd.oci.image.layer.v1.tar", size[0]);
    }

    /** An image of {@code base}'s layers plus {@code top}, with this config; named {@code name} if not null. */
    public ImageRecord addImage(byte[] config, ImageRecord base, ImageRecord.LayerRef top, String name) throws IOException {
        Digest id = Digest.of(config);
        List<ImageRecord.LayerRef> layers = new ArrayList<>(base.layers());
        layers.add(top);
        ImageRecord r = new ImageRecord(id.hex(), name == null ? List.of() : List.of(name), "strata-commit", null,
                id.toString(), layers, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        Path dir = images().resolve(id.hex());
        if (!Files.isDirectory(dir)) {
            Path t = Files.createTempDirectory(tmp(), "image-");
            Files.write(t.resolve("config.json"), config);
            JSON.writeValue(t.resolve("image.json").toFile(), r);
            move(t, dir);
        }
        if (name != null) claimName(id.hex(), name);
        return find(id.hex());
    }

    // ---- removal ----

    /** What {@link #remove} did. */
    public record Removal(List<String> untagged, String deletedImage, List<String> deletedLayers) {
    }

    /**
     * Removes a name; removes the image when that was its last name or when it was named by id; then frees the
     * layers no image uses any more.
     */
    public Removal remove(String ref) {
        try (Lock l = lock()) {
            ImageRecord r = find(ref);
            String user = containerUsing(r.id());
            List<String> untagged = new ArrayList<>();
            boolean byName = Reference.isValid(ref) && r.names().contains(Reference.parse(ref).toString());
            if (byName && r.names().size() > 1) {
                String name = Reference.parse(ref).toString();
                List<String> n = new ArrayList<>(r.names());
                n.remove(name);
                writeRecord(images().resolve(r.id()), r.withNames(n));
                return new Removal(List.of(name), null, List.of());
            }
            if (user != null) throw new StoreException("image " + ref + " is used by container " + user + " (strata container rm " + user + ")");
            untagged.addAll(r.names());
            Path gone = tmp().resolve("rm-image-" + r.id());
            move(images().resolve(r.id()), gone);
            Trees.delete(gone);
            return new Removal(untagged, r.id(), collectLayers());
        } catch (IOException e) {
            throw new StoreException("removing " + ref + ": " + e.getMessage(), e);
        }
    }

    /** Block-store containers on an image (block-containers/NAME holds the image id): their lowers are its layers. */
    private Path blockUses() {
        return root.resolve("block-containers");
    }

    /** Records that block-store container NAME is on image id, so the image (and its layers) cannot be removed. */
    public void recordUse(String container, String imageId) {
        try {
            Files.createDirectories(blockUses());
            Path tmp = blockUses().resolve("." + container + ".tmp");
            Files.writeString(tmp, imageId);
            Files.move(tmp, blockUses().resolve(container), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreException("recording that container " + container + " uses image " + imageId + ": " + e.getMessage(), e);
        }
    }

    /** The image id block-store container NAME is recorded on, or null. */
    public String useOf(String container) {
        Path f = blockUses().resolve(container);
        try {
            return Files.isRegularFile(f) ? Files.readString(f).trim() : null;
        } catch (IOException e) {
            throw new StoreException("reading " + f + ": " + e.getMessage(), e);
        }
    }

    /** The block-store container NAME is gone. */
    public void dropUse(String container) {
        try {
            Files.deleteIfExists(blockUses().resolve(container));
        } catch (IOException e) {
            throw new StoreException("forgetting container " + container + ": " + e.getMessage(), e);
        }
    }

    /** The name of a container on this image, or null (containers/NAME/container.json, field "image"; block-containers/NAME). */
    private String containerUsing(String id) throws IOException {
        if (Files.isDirectory(blockUses())) {
            try (Stream<Path> s = Files.list(blockUses())) {
                for (Path c : s.sorted().toList()) {
                    if (!c.getFileName().toString().startsWith(".") && id.equals(Files.readString(c).trim()))
                        return c.getFileName().toString();
                }
            }
        }
        Path dir = root.resolve("containers");
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path c : s.sorted().toList()) {
                Path f = c.resolve("container.json");
                if (Files.isRegularFile(f) && id.equals(JSON.readTree(f.toFile()).path("image").asText()))
                    return c.getFileName().toString();
            }
        }
        return null;
    }

    /** Deletes layers that no image refers to (each by one rename out of layers/ first). */
    List<String> collectLayers() throws IOException {
        if (!Files.isDirectory(layers())) return List.of();
        Set<String> used = new HashSet<>();
        for (ImageRecord r : list()) for (ImageRecord.LayerRef l : r.layers()) used.add(Digest.parse(l.diffId(), "layer").hex());
        List<String> deleted = new ArrayList<>();
        try (Stream<Path> s = Files.list(layers())) {
            for (Path d : s.sorted().toList()) {
                String hex = d.getFileName().toString();
                if (used.contains(hex)) continue;
                Path gone = tmp().resolve("rm-layer-" + hex);
                move(d, gone);
                Trees.delete(gone);
                deleted.add("sha256:" + hex);
            }
        }
        return deleted;
    }

    // ---- locking ----

    /** The store's writer lock (a file lock on STORE/lock); creates the store's directories; clears tmp/ leftovers. */
    public Lock lock() {
        try {
            Files.createDirectories(images());
            Files.createDirectories(layers());
            Files.createDirectories(tmp());
            FileChannel ch = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl = ch.lock();
            try (Stream<Path> s = Files.list(tmp())) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Trees.delete(p);
            }
            return new Lock(ch, fl);
        } catch (IOException e) {
            throw new StoreException("cannot open the store at " + root + ": " + e.getMessage(), e);
        }
    }

    /** Held while the store changes. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel ch;
        private final FileLock lock;

        Lock(FileChannel ch, FileLock lock) {
            this.ch = ch;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            lock.release();
            ch.close();
        }
    }
}
