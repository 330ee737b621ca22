package io.strata.store.oci;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.store.StoreException;
import io.strata.store.tar.Decompression;
import io.strata.store.tar.LayerWriter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPOutputStream;

/**
 * One layer's blob for an export, from the best source the store has: the blob it was imported in (as is when the
 * compression asked for is its own), its original tar recompressed (the diff_id does not change), or — a layer made by
 * commit, or one imported before blobs were kept — {@link LayerWriter}'s deterministic tar of its directory.
 */
final class LayerBlobs {
    /** The blob written: its digest and media type, the digest of its tar, and whether it is the imported blob itself. */
    record Written(Digest digest, String mediaType, String diffId, boolean original) {
    }

    private LayerBlobs() {
    }

    static Written write(ImageStore store, String diffIdHex, Path layerDir, ImageExporter.LayerCompression asked, Path out)
            throws IOException {
        Path blob = store.layerBlob(diffIdHex);
        LayerRecord rec = blob == null ? null : store.layerRecord(diffIdHex);
        if (rec != null && rec.blobMediaType() != null) {
            Decompression kind = LayerMediaTypes.kindOf(rec.blobMediaType());
            if (asked == ImageExporter.LayerCompression.KEEP || asked == compressionOf(kind)) {
                MessageDigest md = Digest.sha256();
                try (InputStream in = Files.newInputStream(blob);
                     OutputStream o = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(out), 1 << 16), md)) {
                    in.transferTo(o);
                }
                Digest d = Digest.of(md);
                if (!d.toString().equals(rec.blobDigest()))
                    throw new StoreException("layer " + diffIdHex + ": its kept blob is " + d + ", not " + rec.blobDigest() + " (store damaged)");
                return new Written(d, rec.blobMediaType(), rec.diffId(), true);
            }
            ImageExporter.LayerCompression c = asked;
            return compressed(out, c, tarOut -> {
                try (InputStream in = kind.open(new BufferedInputStream(Files.newInputStream(blob), 1 << 16))) {
                    in.transferTo(tarOut);
                }
            }, rec.diffId(), diffIdHex);
        }
        ImageExporter.LayerCompression c = asked == ImageExporter.LayerCompression.KEEP ? ImageExporter.LayerCompression.GZIP : asked;
        return compressed(out, c, tarOut -> LayerWriter.write(layerDir.toString(), tarOut, null), null, diffIdHex);
    }

    private interface TarSource {
        void writeTo(OutputStream tar) throws IOException;
    }

    private static Written compressed(Path out, ImageExporter.LayerCompression c, TarSource src, String expectedDiffId,
                                      String diffIdHex) throws IOException {
        MessageDigest diff = Digest.sha256(), blob = Digest.sha256();
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
             DigestOutputStream blobOut = new DigestOutputStream(file, blob);
             OutputStream comp = compressor(blobOut, c);
             DigestOutputStream tarOut = new DigestOutputStream(comp, diff)) {
            src.writeTo(tarOut);
        }
        String diffId = Digest.of(diff).toString();
        if (expectedDiffId != null && !expectedDiffId.equals(diffId))
            throw new StoreException("layer " + diffIdHex + ": its kept blob holds the tar " + diffId + " (store damaged)");
        return new Written(Digest.of(blob), LayerMediaTypes.of(kindOf(c)), diffId, false);
    }

    private static ImageExporter.LayerCompression compressionOf(Decompression kind) {
        return switch (kind) {
            case PLAIN -> ImageExporter.LayerCompression.NONE;
            case GZIP -> ImageExporter.LayerCompression.GZIP;
            case ZSTD -> ImageExporter.LayerCompression.ZSTD;
        };
    }

    private static Decompression kindOf(ImageExporter.LayerCompression c) {
        return switch (c) {
            case GZIP -> Decompression.GZIP;
            case ZSTD -> Decompression.ZSTD;
            case NONE, KEEP -> Decompression.PLAIN;
        };
    }

    private static OutputStream compressor(OutputStream out, ImageExporter.LayerCompression c) throws IOException {
        OutputStream shield = new FilterOutputStream(out) { // the compressor's close must not close the file yet
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }
        };
        return switch (c) {
            case GZIP -> new GZIPOutputStream(shield, 1 << 16);
            case ZSTD -> new ZstdOutputStream(shield, 3).setChecksum(true);
            case NONE, KEEP -> shield;
        };
    }
}
