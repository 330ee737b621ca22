package io.strata.store.tar;

import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Layer blobs are plain, gzip or zstd tars: recognised by their magic bytes, whatever the media type claims. */
public enum Decompression {
    PLAIN, GZIP, ZSTD;

    /** Looks at the first bytes of {@code in} (which must support mark/reset). */
    public static Decompression sniff(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] m = in.readNBytes(4);
        in.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) return GZIP;
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f && (m[3] & 0xff) == 0xfd)
            return ZSTD;
        return PLAIN;
    }

    public InputStream open(InputStream in) throws IOException {
        return switch (this) {
            case PLAIN -> in;
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
        };
    }
}
