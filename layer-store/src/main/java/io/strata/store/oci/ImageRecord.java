package io.strata.store.oci;

import java.util.List;

/**
 * What the store keeps of an imported image ({@code STORE/images/sha256/<id>/image.json}, next to the original
 * config.json and manifest.json): its id (the config digest, as Docker's image id), its names, and its layers bottom
 * first with the blob digest they were imported from.
 */
public record ImageRecord(String id, List<String> names, String format, String manifestDigest, String configDigest,
                          List<LayerRef> layers, String imported) {

    public record LayerRef(String diffId, String digest, String mediaType, long size) {
    }

    public ImageRecord withNames(List<String> newNames) {
        return new ImageRecord(id, List.copyOf(newNames), format, manifestDigest, configDigest, layers, imported);
    }

    public String shortId() {
        return id.substring(0, 12);
    }
}
