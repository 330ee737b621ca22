package io.strata.testimages;

/**
 * One layer as an image carries it: the uncompressed tar, the blob written to the image, and the digests the image
 * claims for them. Honest layers claim what they hold; hostile ones may lie ({@link #withBlob}), leave the blob out
 * ({@link #missing}), or carry bytes that are no tar at all.
 */
public record Layer(byte[] tar, Compression compression, byte[] blob, String digest, String diffId, boolean present) {

    public static Layer of(byte[] tar, Compression compression) {
        byte[] blob = compression.compress(tar);
        return new Layer(tar, compression, blob, Digests.sha256(blob), Digests.sha256(tar), true);
    }

    /** A blob that is not what the digests say (they stay those of this layer). */
    public Layer withBlob(byte[] otherBlob) {
        return new Layer(tar, compression, otherBlob, digest, diffId, present);
    }

    /** Honest digests for arbitrary blob bytes (a broken stream that the digest check alone cannot catch). */
    public static Layer rawBlob(byte[] blob, Compression declared, String claimedDiffId) {
        return new Layer(new byte[0], declared, blob, Digests.sha256(blob), claimedDiffId, true);
    }

    public Layer withDiffId(String claimed) {
        return new Layer(tar, compression, blob, digest, claimed, present);
    }

    /** Listed in the manifest, absent from the image. */
    public Layer missing() {
        return new Layer(tar, compression, blob, digest, diffId, false);
    }

    public Layer recompressed(Compression c) {
        return of(tar, c);
    }
}
