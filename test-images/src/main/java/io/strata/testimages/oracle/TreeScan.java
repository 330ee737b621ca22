package io.strata.testimages.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/** The same {@link Node}s, read from a mounted (or plain) directory tree with lstat, readlink and getxattr (user.*). */
public final class TreeScan {
    private TreeScan() {
    }

    public static Map<String, Node> scan(Path root) throws Exception {
        Map<String, Node> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root)).toList()) out.put(root.relativize(p).toString(), node(p));
        }
        return out;
    }

    static Node node(Path p) throws Exception {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int perms = mode & 07777, uid = (Integer) a.get("uid"), gid = (Integer) a.get("gid");
        long mtime = ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
        // user.* xattrs of files and directories only: the JDK opens the object to read them (a fifo would block)
        int type = mode & 0170000;
        Map<String, String> x = type == 0100000 || type == 0040000 ? userXattrs(p) : Map.of();
        return switch (mode & 0170000) {
            case 0040000 -> new Node('d', perms, uid, gid, 0, 0, null, x, 0);
            case 0120000 -> {
                String t = Files.readSymbolicLink(p).toString();
                yield new Node('l', 0777, uid, gid, t.length(), 0, t, x, mtime);
            }
            case 0010000 -> new Node('p', perms, uid, gid, 0, 0, null, x, mtime);
            case 0020000 -> new Node('c', perms, uid, gid, 0, 0, null, x, mtime);
            default -> {
                CRC32 crc = new CRC32();
                long size = 0;
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] buf = new byte[1 << 20];
                    for (int n; (n = in.read(buf)) > 0; size += n) crc.update(buf, 0, n);
                }
                yield new Node('f', perms, uid, gid, size, crc.getValue(), null, x, mtime);
            }
        };
    }

    private static Map<String, String> userXattrs(Path p) throws IOException {
        Map<String, String> x = new TreeMap<>();
        var view = Files.getFileAttributeView(p, java.nio.file.attribute.UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) return x;
        for (String name : view.list()) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(name));
            view.read(name, b);
            x.put("user." + name, new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        }
        return x;
    }
}
