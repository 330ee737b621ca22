package io.strata.store.container;

import io.strata.core.errno.FsException;
import io.strata.core.layerfs.HostFs;
import io.strata.store.StoreException;
import io.strata.store.oci.ImageCommit;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.store.oci.Reference;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code strata container commit C NAME[:TAG]}: the container's changes become one new layer on top of its image's layers,
 * with the image's config extended by the layer's diff_id and a history entry. The layer's tar is LayerWriter's
 * deterministic one (sorted names; mtimes as in the container, clamped to $SOURCE_DATE_EPOCH when set; markers take
 * their directory's mtime), so the same changes give the same diff_id; the image side is {@link ImageCommit}'s.
 */
public final class ContainerCommit {
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
            Path tmp = ImageCommit.newLayerDir(images);
            try {
                ChangeLayer.build(u.container, HostFs.INSTANCE, store.upper(c).toString(), tmp.resolve("diff").toString(),
                        ImageCommit.sourceDateEpoch());
            } catch (FsException e) {
                throw new StoreException("commit of " + name + ": " + e.getMessage(), e);
            }
            return ImageCommit.addLayer(images, base, tmp, "strata container commit " + name, newName, message);
        } catch (IOException e) {
            throw new StoreException("commit of " + name + ": " + e.getMessage(), e);
        }
    }
}
