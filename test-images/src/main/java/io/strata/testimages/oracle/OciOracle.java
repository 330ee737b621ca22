package io.strata.testimages.oracle;

import io.strata.testimages.Image;
import io.strata.testimages.Layer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The merged tree of an image computed from its layer tars alone, by the OCI image spec's rules (and nothing of
 * Strata's code): per layer, bottom first, whiteouts and opaque markers remove what the layers below put there, then
 * the layer's own entries are added over them; a non-directory replacing a directory removes the directory's tree.
 */
public final class OciOracle {
    private OciOracle() {
    }

    public static Map<String, Node> merged(Image image) throws IOException {
        TreeMap<String, Node> tree = new TreeMap<>();
        for (Layer l : image.layers()) apply(tree, l.tar());
        return tree;
    }

    private static void apply(TreeMap<String, Node> tree, byte[] tar) throws IOException {
        List<TarArchiveEntry> entries = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        Map<String, Node> byName = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = clean(e.getName());
                Node n = e.isLink() ? null : node(e, in);
                entries.add(e);
                nodes.add(n);
                if (n != null) byName.put(name, n);
            }
        }
        // 1. the markers, against the layers below
        for (TarArchiveEntry e : entries) {
            String name = clean(e.getName());
            String base = name.substring(name.lastIndexOf('/') + 1), dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : "";
            if (base.equals(".wh..wh..opq")) removeBelow(tree, dir);
            else if (base.startsWith(".wh.")) {
                String victim = (dir.isEmpty() ? "" : dir + "/") + base.substring(4);
                tree.remove(victim);
                removeBelow(tree, victim);
            }
        }
        // 2. the layer's own entries
        for (int i = 0; i < entries.size(); i++) {
            TarArchiveEntry e = entries.get(i);
            String name = clean(e.getName());
            if (name.isEmpty() || name.substring(name.lastIndexOf('/') + 1).startsWith(".wh.")) continue;
            Node n = nodes.get(i) != null ? nodes.get(i) : byName.get(clean(e.getLinkName())); // hard link: the target's node
            for (int s = name.indexOf('/'); s > 0; s = name.indexOf('/', s + 1))
                tree.putIfAbsent(name.substring(0, s), new Node('d', 0755, 0, 0, 0, 0, null, Map.of(), 0));
            Node old = tree.get(name);
            if (old != null && old.type() == 'd' && n.type() != 'd') removeBelow(tree, name);
            tree.put(name, n);
            byName.put(name, n);
        }
    }

    private static void removeBelow(TreeMap<String, Node> tree, String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        tree.subMap(prefix, true, prefix + Character.MAX_VALUE, true).keySet().removeIf(k -> !k.equals(dir) && k.startsWith(prefix));
    }

    static String clean(String name) {
        while (name.startsWith("./")) name = name.substring(2);
        while (name.endsWith("/")) name = name.substring(0, name.length() - 1);
        return name;
    }

    private static Node node(TarArchiveEntry e, InputStream in) throws IOException {
        Map<String, String> x = new TreeMap<>();
        e.getExtraPaxHeaders().forEach((k, v) -> {
            if (k.startsWith("SCHILY.xattr.user.")) x.put(k.substring("SCHILY.xattr.".length()), v);
        });
        long mtime = e.getLastModifiedTime().toInstant().getEpochSecond();
        int perms = e.getMode() & 07777, uid = (int) e.getLongUserId(), gid = (int) e.getLongGroupId();
        if (e.isDirectory()) return new Node('d', perms, uid, gid, 0, 0, null, x, 0);
        if (e.isSymbolicLink()) return new Node('l', 0777, uid, gid, e.getLinkName().length(), 0, e.getLinkName(), x, mtime);
        if (e.isFIFO()) return new Node('p', perms, uid, gid, 0, 0, null, x, mtime);
        if (e.isCharacterDevice()) return new Node('c', perms, uid, gid, 0, 0, null, x, mtime);
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 20];
        long size = 0;
        for (int n; (n = in.read(buf)) > 0; size += n) crc.update(buf, 0, n);
        return new Node('f', perms, uid, gid, size, crc.getValue(), null, x, mtime);
    }
}
