package io.strata.store.oci;

import io.strata.store.StoreException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** An OCI content digest; Strata handles {@code sha256:<64 lowercase hex>}. */
public record Digest(String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (!HEX.matcher(hex).matches()) throw new StoreException("not a sha256 digest: " + hex);
    }

    public static Digest parse(String s, String what) {
        if (s == null) throw new StoreException(what + ": no digest");
        int colon = s.indexOf(':');
        if (colon < 0) throw new StoreException(what + ": '" + s + "' is not a digest (algorithm:hex)");
        String alg = s.substring(0, colon);
        if (!alg.equals("sha256")) throw new StoreException(what + ": unsupported digest algorithm " + alg);
        String hex = s.substring(colon + 1);
        if (!HEX.matcher(hex).matches()) throw new StoreException(what + ": malformed digest " + s);
        return new Digest(hex);
    }

    public static Digest of(MessageDigest md) {
        return new Digest(HexFormat.of().formatHex(md.digest()));
    }

    public static Digest of(byte[] data) {
        MessageDigest md = sha256();
        md.update(data);
        return of(md);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
