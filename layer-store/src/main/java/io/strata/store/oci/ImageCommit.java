package io.strata.store.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The image side of a commit, whatever the writable layer was (an overlay-format upper, the block store): a layer
 * directory is made in the store's tmp/, filled by the caller, then added as the top of a new image whose config is
 * the base's extended by the layer's diff_id and a history entry. Dates are the commit time, or $SOURCE_DATE_EPOCH.
 */
public final class ImageCommit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageCommit() {
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
