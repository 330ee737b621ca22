package io.strata.testimages;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** OCI content digests: {@code sha256:<64 lowercase hex>}. */
public final class Digests {
    private Digests() {
    }

    public static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(String digest) {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
