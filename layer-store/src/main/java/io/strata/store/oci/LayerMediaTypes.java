package io.strata.store.oci;

import io.strata.store.tar.Decompression;

/** OCI layer media types by compression, and back. */
final class LayerMediaTypes {
    static final String TAR = "application/vnd.oci.image.layer.v1.tar";

    private LayerMediaTypes() {
    }

    static String of(Decompression kind) {
        return switch (kind) {
            case PLAIN -> TAR;
            case GZIP -> TAR + "+gzip";
            case ZSTD -> TAR + "+zstd";
        };
    }

    /** The compression a stored blob's media type names (only the types {@link #of} writes). */
    static Decompression kindOf(String mediaType) {
        if (mediaType.endsWith("+gzip")) return Decompression.GZIP;
        if (mediaType.endsWith("+zstd")) return Decompression.ZSTD;
        return Decompression.PLAIN;
    }
}
