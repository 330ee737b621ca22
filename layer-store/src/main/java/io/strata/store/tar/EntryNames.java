package io.strata.store.tar;

import io.strata.store.StoreException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Member names of a layer tar, checked before anything touches the disk: relative, no {@code ..}, no NUL, components
 * of at most 255 bytes. {@code ./} and empty components are dropped ({@code ./a//b/} is {@code a/b}).
 */
public final class EntryNames {
    private EntryNames() {
    }

    /** The name's components; an empty list is the layer's root ({@code ./}). */
    public static List<String> split(String name, String what) {
        if (name == null || name.isEmpty()) throw new StoreException(what + ": empty name");
        if (name.indexOf('\0') >= 0) throw new StoreException(what + " " + quote(name) + ": NUL in name");
        if (name.startsWith("/")) throw new StoreException(what + " " + quote(name) + ": absolute name (layers hold relative names)");
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) throw new StoreException(what + " " + quote(name) + ": '..' in name (would escape the layer)");
            if (c.getBytes(StandardCharsets.UTF_8).length > 255)
                throw new StoreException(what + " " + quote(name) + ": a component is longer than 255 bytes");
            out.add(c);
        }
        return out;
    }

    public static String join(List<String> components) {
        return String.join("/", components);
    }

    static String quote(String s) {
        String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return "'" + shown.replace("\n", "\\n") + "'";
    }
}
