package io.strata.store.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.core.errno.FsException;
import io.strata.core.layerfs.HostFs;
import io.strata.store.StoreException;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.store.oci.Reference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * {@code strata container commit C NAME[:TAG]}: the container's changes become one new layer on top of its image's layers,
 * with the image's config extended by the layer's diff_id and a history entry. The layer's tar is LayerWriter's
 * deterministic one (sorted names; mtimes as in the container, clamped to $SOURCE_DATE_EPOCH when set; markers take
 * their directory's mtime), so the same changes give the same diff_id; the config's dates are the commit time, or
 * $SOURCE_DATE_EPOCH.
 */
public final class ContainerCommit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ContainerCommit() {
    }

    public static ImageRecord commit(ContainerStore store, String name, String ref, String message) {
        String newName = ref == null ? null : Reference.parse(ref).toString();
        ContainerRecord c = store.find(name);
        store.requireUnmounted(c);
        ImageStore images = store.images();
        try (ImageStore.Lock l = images.lock()) {
            ImageRecord base = images.find(c.image());
            ContainerUnion u = new ContainerUnion(store, c);
            Path tmp = newLayerDir(images);
            try {
                ChangeLayer.build(u.container, HostFs.INSTANCE, store.upper(c).toString(), tmp.resolve("diff").toString(),
                        sourceDateEpoch());
            } catch (FsException e) {
                throw new StoreException("commit of " + name + ": " + e.getMessage(), e);
            }
            return addLayer(images, base, tmp, "strata container commit " + name, newName, message);
        } catch (IOException e) {
            throw new StoreException("commit of " + name + ": " + e.getMessage(), e);
        }
    }

    /** A new directory in the store's tmp/ with an empty {@code diff/} for a commit's layer; the caller holds the lock. */
    public static Path newLayerDir(ImageStore images) throws IOException {
        Path tmp = Files.createTempDirectory(images.root().resolve("tmp"), "commit-");
        Files.createDirectory(tmp.resolve("diff"));
        return tmp;
    }

    /**
     * The layer in {@code tmp/diff} (from {@link #newLayerDir}) as the top of a new image on {@code base}: the config
     * extended by its diff_id and a history entry. The caller holds the store's lock.
     */
    public static ImageRecord addLayer(ImageStore images, ImageRecord base, Path tmp, String createdBy, String newName,
                                       String message) throws IOException {
        Long epoch = sourceDateEpoch();
        ImageRecord.LayerRef layer = images.addLayerDir(tmp);
        ObjectNode config = (ObjectNode) JSON.readTree(images.config(base));
        String created = Instant.ofEpochSecond(epoch != null ? epoch : Instant.now().getEpochSecond())
                .truncatedTo(ChronoUnit.SECONDS).toString();
        config.put("created", created);
        ((ArrayNode) config.with("rootfs").withArray("diff_ids")).add(layer.diffId());
        ObjectNode h = config.withArray("history").addObject();
        h.put("created", created);
        h.put("created_by", createdBy);
        if (message != null) h.put("comment", message);
        return images.addImage(JSON.writeValueAsBytes(config), base, layer, newName);
    }

    /** $SOURCE_DATE_EPOCH, or null. */
    public static Long sourceDateEpoch() {
        String s = System.getenv("SOURCE_DATE_EPOCH");
        if (s == null || s.isBlank()) return null;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new StoreException("SOURCE_DATE_EPOCH is not a number: " + s);
        }
    }
}
