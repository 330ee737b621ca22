package io.strata.store.oci;

/** {@code STORE/layers/sha256/<diffid>/layer.json}: the layer's tar digest, members and bytes extracted. */
public record LayerRecord(String diffId, String firstDigest, long entries, long bytes) {
}
