package io.strata.store.tar;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.store.StoreException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a layer directory in kernel overlayfs format as an OCI layer tar, deterministically: entries in pre-order with
 * names sorted by their UTF-8 bytes; a 0/0 character device (or a {@code trusted.overlay.whiteout} file) becomes
 * {@code .wh.NAME}, an opaque directory gets {@code .wh..wh..opq} right after its own entry; later names of a hard-linked
 * file become hard links to the first; files with holes are written in PAX sparse format 1.0. Header policy: numeric
 * owners only (no user/group names), whole-second mtimes as found (or clamped to {@code clampMtime} when given, the
 * SOURCE_DATE_EPOCH convention), markers take their directory's mtime and mode 0644; xattrs as PAX
 * {@code SCHILY.xattr.*} except the overlay's own {@code trusted.overlay.*}/{@code trusted.strata.*}; binary values (file
 * capabilities) as raw bytes in a PAX header written here, as GNU tar and Go write them.
 */
public final class LayerWriter {
    private static final int SEEK_DATA = 3, SEEK_HOLE = 4;
    private static final Comparator<String> BYTES = (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private final TarArchiveOutputStream out;
    private final Long clamp;
    private static final String SCHILY = "SCHILY.xattr.";
    private final Map<Long, String> firstNameOfInode = new HashMap<>();
    /** Entries whose xattrs hold binary values, with those values (written by {@link #begin}). */
    private final Map<TarArchiveEntry, Map<String, byte[]>> binary = new IdentityHashMap<>();
    private int paxCount;

    private LayerWriter(OutputStream os, Long clampMtime) {
        out = new TarArchiveOutputStream(os, StandardCharsets.UTF_8.name());
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        out.setAddPaxHeadersForNonAsciiNames(true);
        clamp = clampMtime;
    }

    /** Writes the tar of {@code layerDir} to {@code os} (not closed). */
    public static void write(String layerDir, OutputStream os, Long clampMtime) {
        LayerWriter w = new LayerWriter(os, clampMtime);
        try {
            w.children(layerDir, "");
            w.out.finish();
        } catch (FsException e) {
            throw new StoreException("reading layer " + layerDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException("writing the tar of " + layerDir + ": " + e.getMessage(), e);
        }
    }

    private void children(String dir, String rel) throws FsException, IOException {
        List<String> names = new ArrayList<>(Host.list(dir));
        names.sort(BYTES);
        for (String name : names) {
            String path = dir + "/" + name, r = rel.isEmpty() ? name : rel + "/" + name;
            Stat st = Host.lstat(path);
            if (isWhiteout(path, st)) {
                marker((rel.isEmpty() ? "" : rel + "/") + Whiteouts.OCI_PREFIX + name, Host.lstat(dir));
            } else if (st.isDir()) {
                TarArchiveEntry e = entry(r + "/", TarConstants.LF_DIR, st, path);
                put(e);
                if (Arrays.equals(OverlayXattrs.YES, Host.getxattr(path, OverlayXattrs.OPAQUE)))
                    marker(r + "/" + Whiteouts.OCI_OPAQUE, st);
                if (Host.getxattr(path, OverlayXattrs.REDIRECT) != null)
                    throw new StoreException(r + ": a renamed directory (trusted.overlay.redirect) cannot be written as an OCI layer yet");
                children(path, r);
            } else if (st.isRegular()) {
                String first = st.nlink() > 1 ? firstNameOfInode.putIfAbsent(st.ino(), r) : null;
                if (first != null) {
                    TarArchiveEntry e = entry(r, TarConstants.LF_LINK, st, null);
                    e.setLinkName(first);
                    put(e);
                } else {
                    if (Host.getxattr(path, OverlayXattrs.METACOPY) != null)
                        throw new StoreException(r + ": a metadata-only copy-up (trusted.overlay.metacopy) has no data of its own");
                    file(path, r, st);
                }
            } else if (st.isSymlink()) {
                TarArchiveEntry e = entry(r, TarConstants.LF_SYMLINK, st, null);
                e.setLinkName(Host.readlink(path));
                put(e);
            } else if (st.type() == Stat.S_IFIFO) {
                put(entry(r, TarConstants.LF_FIFO, st, path));
            } else if (st.isCharDevice() || st.type() == Stat.S_IFBLK) {
                TarArchiveEntry e = entry(r, st.isCharDevice() ? TarConstants.LF_CHR : TarConstants.LF_BLK, st, path);
                e.setDevMajor((int) Stat.major(st.rdev()));
                e.setDevMinor((int) Stat.minor(st.rdev()));
                put(e);
            } else {
                throw new StoreException(r + ": a socket cannot go into a layer tar");
            }
        }
    }

    private static boolean isWhiteout(String path, Stat st) throws FsException {
        return Whiteouts.isWhiteoutDevice(st) || (Whiteouts.mayBeXattrWhiteout(st) && Host.getxattr(path, OverlayXattrs.WHITEOUT) != null);
    }

    private long mtime(Stat st) {
        return clamp != null ? Math.min(st.mtimeSec(), clamp) : st.mtimeSec();
    }

    private TarArchiveEntry entry(String name, byte type, Stat st, String xattrPath) throws FsException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(FileTime.from(mtime(st), java.util.concurrent.TimeUnit.SECONDS));
        e.setMode(st.perms());
        e.setIds(st.uid(), st.gid());
        e.setUserName("");
        e.setGroupName("");
        if (xattrPath != null) {
            Map<String, byte[]> x = new TreeMap<>(BYTES);
            for (String n : Host.listxattr(xattrPath)) {
                if (OverlayXattrs.isPrivate(n)) continue;
                byte[] v = Host.getxattr(xattrPath, n);
                if (v != null) x.put(n, v);
            }
            if (x.values().stream().allMatch(LayerWriter::isUtf8))
                x.forEach((k, v) -> e.addPaxHeader(SCHILY + k, new String(v, StandardCharsets.UTF_8)));
            else
                binary.put(e, x); // Commons Compress writes PAX values as UTF-8 text: this entry gets a PAX header of ours
        }
        return e;
    }

    private static boolean isUtf8(byte[] v) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Starts entry e. An entry with binary xattr values gets its own PAX header, written here with the values as raw
     * bytes (as GNU tar and Go's archive/tar write them) together with everything Commons Compress would have put in
     * its own (path, linkpath, big ids); its ustar fields then get names that need no second PAX header.
     */
    private void begin(TarArchiveEntry e) throws IOException {
        Map<String, byte[]> raw = binary.remove(e);
        if (raw != null) {
            Map<String, byte[]> pax = new LinkedHashMap<>();
            pax.put("path", e.getName().getBytes(StandardCharsets.UTF_8));
            if (!e.getLinkName().isEmpty()) pax.put("linkpath", e.getLinkName().getBytes(StandardCharsets.UTF_8));
            if (e.getLongUserId() >= 07777777) pax.put("uid", Long.toString(e.getLongUserId()).getBytes(StandardCharsets.US_ASCII));
            if (e.getLongGroupId() >= 07777777) pax.put("gid", Long.toString(e.getLongGroupId()).getBytes(StandardCharsets.US_ASCII));
            if (e.getSize() > 077777777777L) throw new StoreException(e.getName() + ": binary xattrs on a file over 8 GiB cannot be written yet");
            raw.forEach((k, v) -> pax.put(SCHILY + k, v));
            paxHeader(e.getName(), pax, e.getLastModifiedTime().toInstant().getEpochSecond());
            e.setName(plainName(e.getName(), e.isDirectory()));
            if (!e.getLinkName().isEmpty()) e.setLinkName(plainName(e.getLinkName(), false));
            e.setIds(e.getLongUserId() >= 07777777 ? 0 : (int) e.getLongUserId(), e.getLongGroupId() >= 07777777 ? 0 : (int) e.getLongGroupId());
        }
        out.putArchiveEntry(e);
    }

    /** A stand-in for a name in the ustar header (the PAX path record holds the real one): ASCII, at most 99 bytes. */
    private static String plainName(String name, boolean dir) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) b.append(c >= 0x20 && c < 0x7f ? c : '_');
        String s = b.toString();
        int max = dir ? 98 : 99;
        if (s.length() > max) s = s.substring(s.length() - max);
        return dir && !s.endsWith("/") ? s + "/" : s;
    }

    private void marker(String name, Stat dirStat) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setModTime(FileTime.from(mtime(dirStat), java.util.concurrent.TimeUnit.SECONDS));
        e.setMode(0644);
        e.setIds(0, 0);
        e.setUserName("");
        e.setGroupName("");
        put(e);
    }

    private void put(TarArchiveEntry e) throws IOException {
        begin(e);
        out.closeArchiveEntry();
    }

    /** A regular file: plain, or PAX sparse 1.0 when it has holes. */
    private void file(String path, String rel, Stat st) throws FsException, IOException {
        List<long[]> segments = dataSegments(path, st.size());
        boolean sparse = segments != null;
        long dataBytes = 0;
        if (sparse) for (long[] s : segments) dataBytes += s[1];
        try (RandomAccessFile f = new RandomAccessFile(path, "r")) {
            if (!sparse) {
                TarArchiveEntry e = entry(rel, TarConstants.LF_NORMAL, st, path);
                e.setSize(st.size());
                begin(e);
                copy(f, 0, st.size());
                out.closeArchiveEntry();
                return;
            }
            StringBuilder map = new StringBuilder().append(segments.size()).append('\n');
            for (long[] s : segments) map.append(s[0]).append('\n').append(s[1]).append('\n');
            byte[] mapBytes = map.toString().getBytes(StandardCharsets.US_ASCII);
            int padded = (mapBytes.length + 511) / 512 * 512;
            Map<String, byte[]> pax = new LinkedHashMap<>();
            pax.put("GNU.sparse.major", ascii("1"));
            pax.put("GNU.sparse.minor", ascii("0"));
            pax.put("GNU.sparse.name", rel.getBytes(StandardCharsets.UTF_8));
            pax.put("GNU.sparse.realsize", ascii(Long.toString(st.size())));
            if (st.uid() >= 07777777) pax.put("uid", ascii(Integer.toUnsignedString(st.uid())));
            if (st.gid() >= 07777777) pax.put("gid", ascii(Integer.toUnsignedString(st.gid())));
            TarArchiveEntry real = entry(rel, TarConstants.LF_NORMAL, st, path);
            // the xattrs go in the same (single) PAX header
            real.getExtraPaxHeaders().forEach((k, v) -> pax.put(k, v.getBytes(StandardCharsets.UTF_8)));
            Map<String, byte[]> raw = binary.remove(real);
            if (raw != null) raw.forEach((k, v) -> pax.put(SCHILY + k, v));
            paxHeader(rel, pax, mtime(st));
            String base = rel.substring(rel.lastIndexOf('/') + 1), dir = rel.substring(0, rel.length() - base.length());
            String stored = plainName(dir + "GNUSparseFile.0/" + (base.length() > 60 ? base.substring(0, 60) : base), false);
            TarArchiveEntry e = new TarArchiveEntry(stored, TarConstants.LF_NORMAL, true);
            e.setModTime(real.getLastModifiedTime());
            e.setMode(st.perms());
            e.setIds(st.uid() < 07777777 ? st.uid() : 0, st.gid() < 07777777 ? st.gid() : 0);
            e.setUserName("");
            e.setGroupName("");
            e.setSize(padded + dataBytes);
            out.putArchiveEntry(e);
            out.write(Arrays.copyOf(mapBytes, padded));
            for (long[] s : segments) copy(f, s[0], s[1]);
            out.closeArchiveEntry();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A PAX extended header: records "LEN KEY=VALUE\n" with LEN in bytes, values written as the bytes given. */
    private void paxHeader(String forName, Map<String, byte[]> records, long mtime) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int len = 1 + key.length + 1 + r.getValue().length + 1; // " KEY=VALUE\n"
            int total = len + Integer.toString(len).length();
            if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
            b.writeBytes(ascii(total + " "));
            b.writeBytes(key);
            b.write('=');
            b.writeBytes(r.getValue());
            b.write('\n');
        }
        byte[] data = b.toByteArray();
        String base = forName.substring(forName.lastIndexOf('/') + 1);
        String plain = plainName(base, false); // an ASCII name: Commons Compress must not give this header one of its own
        TarArchiveEntry x = new TarArchiveEntry("PaxHeaders." + (paxCount++) + "/" + (plain.length() > 60 ? plain.substring(0, 60) : plain),
                TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
        x.setModTime(FileTime.from(mtime, java.util.concurrent.TimeUnit.SECONDS));
        x.setMode(0644);
        x.setIds(0, 0);
        x.setUserName("");
        x.setGroupName("");
        x.setSize(data.length);
        out.putArchiveEntry(x);
        out.write(data);
        out.closeArchiveEntry();
    }

    private void copy(RandomAccessFile f, long offset, long len) throws IOException {
        byte[] buf = new byte[(int) Math.min(1 << 20, Math.max(len, 1))];
        f.seek(offset);
        long left = len;
        while (left > 0) {
            int n = f.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new IOException("file shrank while being written");
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** The data ranges {offset, length} of a file with holes, or null for a file without holes. */
    private static List<long[]> dataSegments(String path, long size) throws FsException {
        if (size == 0) return null;
        int fd = Host.open(path, Host.O_RDONLY | Host.O_NOFOLLOW, 0);
        try {
            long firstHole = Host.libc().lseek(fd, 0, SEEK_HOLE);
            if (firstHole < 0 || firstHole >= size) return null;
            List<long[]> segs = new ArrayList<>();
            long pos = 0;
            while (pos < size) {
                long data = Host.libc().lseek(fd, pos, SEEK_DATA);
                if (data < 0 || data >= size) break; // ENXIO: only a hole remains
                long hole = Host.libc().lseek(fd, data, SEEK_HOLE);
                if (hole < 0 || hole > size) hole = size;
                segs.add(new long[] {data, hole - data});
                pos = hole;
            }
            if (segs.isEmpty() || segs.get(segs.size() - 1)[0] + segs.get(segs.size() - 1)[1] < size)
                segs.add(new long[] {size, 0}); // GNU tar's convention for a file that ends in a hole
            return segs;
        } finally {
            Host.close(fd);
        }
    }
}
