package io.strata.testimages;

import com.github.luben.zstd.ZstdOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** How a layer blob is compressed; each one is deterministic (gzip header mtime 0, zstd level 3 with a content checksum, fixed level). */
public enum Compression {
    PLAIN(""), GZIP("+gzip"), ZSTD("+zstd");

    private final String mediaTypeSuffix;

    Compression(String mediaTypeSuffix) {
        this.mediaTypeSuffix = mediaTypeSuffix;
    }

    public String layerMediaType() {
        return "application/vnd.oci.image.layer.v1.tar" + mediaTypeSuffix;
    }

    public byte[] compress(byte[] tar) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(tar.length / 2 + 64);
        try (OutputStream out = switch (this) {
            case PLAIN -> b;
            case GZIP -> new GZIPOutputStream(b, 64 * 1024);
            case ZSTD -> new ZstdOutputStream(b, 3).setChecksum(true); // as the zstd CLI writes by default
        }) {
            out.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }
}
