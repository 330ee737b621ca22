package io.strata.store.oci;

import java.nio.file.Path;
import java.util.List;

/**
 * An image as found in an import source, before anything is verified: its config bytes, and per layer the blob file,
 * the digest the manifest claims for it (null in docker archives, which name layers by path) and its media type.
 */
public record SourceImage(String format, String suggestedName, byte[] manifest, Digest manifestDigest, byte[] config,
                          Digest configDigest, List<LayerBlob> layers) {

    public record LayerBlob(Path file, Digest digest, String mediaType, long size) {
    }
}
