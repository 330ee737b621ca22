package io.strata.store.oci;

import io.strata.store.StoreException;

import java.util.regex.Pattern;

/** An image name with its tag, {@code NAME[:TAG]} (tag defaults to {@code latest}), as Docker and OCI spell them. */
public record Reference(String name, String tag) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public static Reference parse(String s) {
        String name = s, tag = "latest";
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            name = s.substring(0, colon);
            tag = s.substring(colon + 1);
        }
        if (!NAME.matcher(name).matches())
            throw new StoreException("invalid image name '" + name + "' (lowercase letters, digits, . _ - and / separated parts)");
        if (!TAG.matcher(tag).matches()) throw new StoreException("invalid tag '" + tag + "'");
        return new Reference(name, tag);
    }

    public static boolean isValid(String s) {
        try {
            parse(s);
            return true;
        } catch (StoreException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name + ":" + tag;
    }
}
