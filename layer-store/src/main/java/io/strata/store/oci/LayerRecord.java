package io.strata.store.oci;

/**
 * {@code STORE/layers/sha256/<diffid>/layer.json}: the layer's tar digest, members and bytes extracted; for an imported
 * layer also the blob it came in ({@code blob} beside {@code diff/}: its digest and media type), kept so that an export
 * hands out the very same blob and an image keeps its digests through import → export → import. Committed layers have
 * no blob (null): their tar is {@link io.strata.store.tar.LayerWriter}'s deterministic one.
 */
public record LayerRecord(String diffId, String firstDigest, long entries, long bytes, String blobDigest, String blobMediaType) {
    public static final String BLOB = "blob";
}
