package io.strata.testimages;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A layer tar, written deterministically: entries in the order given, every header field fixed (mtime
 * {@link #MTIME}, numeric owners, no user or group names), PAX for long names, big numbers and xattrs.
 * Entry names are written as given, so that hostile names ({@code ../x}, {@code /etc/x}) stay hostile.
 */
public final class TarBuilder {
    /** 2023-11-14T22:13:20Z: every entry's mtime. */
    public static final long MTIME = 1_700_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;
    private int paxCount;

    public TarBuilder() {
        out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        out.setAddPaxHeadersForNonAsciiNames(true);
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(FileTime.from(MTIME, TimeUnit.SECONDS));
        e.setMode(mode);
        e.setIds(0, 0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    private TarBuilder put(TarArchiveEntry e, byte[] data) {
        try {
            out.putArchiveEntry(e);
            if (data != null) out.write(data);
            out.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    public TarBuilder dir(String name, int mode) {
        return put(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
    }

    public TarBuilder dir(String name) {
        return dir(name, 0755);
    }

    public TarBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        return file(name, content, mode, 0, 0, Map.of());
    }

    /** A regular file with owner and extended attributes (written as PAX {@code SCHILY.xattr.NAME} records). */
    public TarBuilder file(String name, byte[] content, int mode, int uid, int gid, Map<String, String> xattrs) {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode);
        e.setIds(uid, gid);
        e.setSize(content.length);
        new java.util.TreeMap<>(xattrs).forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
        return put(e, content);
    }

    public TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
        e.setLinkName(target);
        return put(e, null);
    }

    public TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
        e.setLinkName(target);
        return put(e, null);
    }

    public TarBuilder fifo(String name) {
        return put(entry(name, TarConstants.LF_FIFO, 0644), null);
    }

    public TarBuilder charDevice(String name, int major, int minor) {
        TarArchiveEntry e = entry(name, TarConstants.LF_CHR, 0666);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, null);
    }

    /** OCI whiteout: {@code DIR/.wh.NAME} deletes DIR/NAME of the layers below. */
    public TarBuilder whiteout(String dir, String name) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644);
    }

    /** OCI opaque marker: DIR keeps nothing of the layers below. */
    public TarBuilder opaque(String dir) {
        return file(dir + "/.wh..wh..opq", new byte[0], 0644);
    }

    /**
     * A sparse file in PAX format 1.0 (what GNU tar writes with --sparse --format=posix): a PAX header names the real
     * file and size, the member holds the sparse map (padded to 512 bytes) and then only the data segments.
     * {@code segments} maps offset to data; everything else is a hole.
     */
    public TarBuilder sparse(String name, long realSize, Map<Long, byte[]> segments) {
        StringBuilder map = new StringBuilder().append(segments.size()).append('\n');
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        new java.util.TreeMap<>(segments).forEach((off, seg) -> {
            map.append(off).append('\n').append(seg.length).append('\n');
            data.writeBytes(seg);
        });
        byte[] mapBytes = map.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] member = new byte[(mapBytes.length + 511) / 512 * 512 + data.size()];
        System.arraycopy(mapBytes, 0, member, 0, mapBytes.length);
        System.arraycopy(data.toByteArray(), 0, member, (mapBytes.length + 511) / 512 * 512, data.size());
        Map<String, String> pax = new LinkedHashMap<>();
        pax.put("GNU.sparse.major", "1");
        pax.put("GNU.sparse.minor", "0");
        pax.put("GNU.sparse.name", name);
        pax.put("GNU.sparse.realsize", Long.toString(realSize));
        paxHeader(name, pax);
        String dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
        String stored = dir + "GNUSparseFile.0/" + name.substring(dir.length());
        TarArchiveEntry e = entry(stored, TarConstants.LF_NORMAL, 0644);
        e.setSize(member.length);
        return put(e, member);
    }

    /** A PAX extended header ('x') for the next member, with the records in the order given. */
    public TarBuilder paxHeader(String forName, Map<String, String> records) {
        StringBuilder b = new StringBuilder();
        records.forEach((k, v) -> {
            String body = " " + k + "=" + v + "\n";
            int len = body.getBytes(StandardCharsets.UTF_8).length;
            int total = len + Integer.toString(len).length();
            if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
            b.append(total).append(body);
        });
        byte[] data = b.toString().getBytes(StandardCharsets.UTF_8);
        String base = forName.substring(forName.lastIndexOf('/') + 1);
        TarArchiveEntry x = entry("PaxHeaders." + (paxCount++) + "/" + (base.length() > 80 ? base.substring(0, 80) : base),
                TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644);
        x.setSize(data.length);
        return put(x, data);
    }

    public byte[] build() {
        try {
            out.finish();
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
