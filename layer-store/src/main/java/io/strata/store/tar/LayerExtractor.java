package io.strata.store.tar;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.store.StoreException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Extracts one OCI layer tar into an empty directory in kernel overlayfs format: {@code .wh.NAME} becomes a 0/0
 * character device NAME, {@code .wh..wh..opq} the xattr {@code trusted.overlay.opaque=y} on its directory.
 * <p>
 * Safety: names are checked by {@link EntryNames} (no {@code ..}, nothing absolute); every parent directory of a
 * member is walked one component at a time with lstat and must be a real directory of this layer (a symlink on the
 * way is refused, never followed); new objects are created with O_EXCL semantics, so nothing is written through a
 * symlink; hard links must name a non-directory already extracted from this same layer; duplicates, device nodes
 * (unless allowed), {@code trusted.overlay.*}/{@code trusted.strata.*} xattrs and members larger than the free space
 * are refused. The directory is new and only this extractor writes into it, so a check cannot be raced.
 */
public final class LayerExtractor {
    private static final int BUF = 1 << 20;

    /** What one extraction produced. */
    public record Stats(long entries, long bytes) {
    }

    private final Path root;
    private final String rootStr;
    private final boolean allowDevices;
    private final boolean asRoot;
    /** Names this layer created explicitly (members and whiteouts), relative. */
    private final Set<String> explicit = new HashSet<>();
    private final Set<String> whiteouts = new HashSet<>();
    private final Map<String, TarArchiveEntry> dirMeta = new HashMap<>();
    private long entries, bytes;
    /** The member being extracted as the raw tap saw it (for binary xattr values). */
    private RawXattrTap.Member current;

    private LayerExtractor(Path root, boolean allowDevices) {
        this.root = root;
        this.rootStr = root.toString();
        this.allowDevices = allowDevices;
        this.asRoot = isRoot();
    }

    private static boolean isRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Reads the tar from {@code tar} into the empty directory {@code target}. Throws {@link StoreException} naming the
     * member on any refusal; what was written so far stays in target for the caller to remove.
     */
    public static Stats extract(InputStream tar, Path target, boolean allowDevices) {
        return new LayerExtractor(target, allowDevices).run(tar);
    }

    private Stats run(InputStream tar) {
        org.apache.commons.io.input.BoundedInputStream raw = org.apache.commons.io.input.BoundedInputStream.builder()
                .setInputStream(tar).setPropagateClose(false).getUnchecked();
        RawXattrTap tap = new RawXattrTap(raw);
        TarArchiveInputStream in = new TarArchiveInputStream(tap, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        boolean any = false;
        while (true) {
            try {
                e = in.getNextEntry();
            } catch (IOException ex) {
                throw new StoreException((any ? "broken tar after " + entries + " members: " : "not a tar archive: ") + ex.getMessage(), ex);
            }
            if (e == null) break;
            current = tap.next();
            any = true;
            entries++;
            try {
                member(in, e);
            } catch (FsException ex) {
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": " + ex.getMessage(), ex);
            } catch (IOException ex) {
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": " + describe(ex), ex);
            }
        }
        if (!any && raw.getCount() < 1024) {
            // commons-compress reads an empty stream as an empty archive; a tar has at least its two zero end blocks
            throw new StoreException("not a tar archive: " + raw.getCount() + " bytes, no tar header");
        }
        try {
            finishDirectories();
        } catch (FsException ex) {
            throw new StoreException("setting directory attributes: " + ex.getMessage(), ex);
        }
        return new Stats(entries, bytes);
    }

    private static String describe(IOException ex) {
        String m = ex.getMessage();
        if (ex instanceof java.io.EOFException || (m != null && m.toLowerCase().contains("truncated")))
            return "truncated archive (the member's data ends early)" + (m == null ? "" : ": " + m);
        return m == null ? ex.toString() : m;
    }

    private void member(TarArchiveInputStream in, TarArchiveEntry e) throws IOException, FsException {
        String what = "member";
        List<String> comps = EntryNames.split(e.getName(), what);
        if (comps.isEmpty()) {
            if (!e.isDirectory()) throw new StoreException("member " + EntryNames.quote(e.getName()) + ": the layer root is not a directory");
            applyOwnerAndXattrs(rootStr, e);
            dirMeta.put("", e);
            return;
        }
        String name = comps.get(comps.size() - 1);
        List<String> parentComps = comps.subList(0, comps.size() - 1);
        String rel = EntryNames.join(comps);
        if (name.startsWith(Whiteouts.OCI_PREFIX)) {
            whiteoutOrOpaque(e, parentComps, name);
            return;
        }
        String parent = parents(parentComps, e.getName());
        String path = parent + "/" + name;
        if (!explicit.add(rel)) throw new StoreException("member " + EntryNames.quote(e.getName()) + ": duplicate entry (the layer already has " + rel + ")");
        Stat existing = Host.lstatOrNull(path);
        if (e.isDirectory()) {
            if (existing == null) Host.mkdir(path, 0700);
            else if (!existing.isDir()) throw new StoreException("member " + EntryNames.quote(e.getName()) + ": duplicate entry");
            applyOwnerAndXattrs(path, e);
            dirMeta.put(rel, e);
            return;
        }
        if (existing != null)
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": duplicate entry (" + rel
                    + (existing.isDir() ? " is already a directory of this layer)" : " exists)"));
        if (e.isLink()) {
            hardLink(e, path);
            return;
        }
        if (e.isSymbolicLink()) {
            String target = e.getLinkName();
            if (target == null || target.isEmpty() || target.indexOf('\0') >= 0)
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": symlink without a valid target");
            Host.symlink(target, path);
            applyOwnerAndXattrs(path, e);
            utimes(path, e);
            return;
        }
        if (e.isFIFO()) {
            Host.mknod(path, Stat.S_IFIFO | (e.getMode() & 07777), 0);
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            if (!allowDevices)
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": device node " + e.getDevMajor() + "/"
                        + e.getDevMinor() + " refused (images may not create devices; --allow-devices as root permits them)");
            Host.mknod(path, (e.isCharacterDevice() ? Stat.S_IFCHR : Stat.S_IFBLK) | (e.getMode() & 07777),
                    Stat.makedev(e.getDevMajor(), e.getDevMinor()));
        } else if (e.isFile()) {
            regularFile(in, e, path);
        } else {
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": unsupported member type (not a file, directory, link, fifo or device)");
        }
        applyOwnerAndXattrs(path, e);
        Host.chmod(path, e.getMode() & 07777); // after chown, which clears setuid bits
        utimes(path, e);
    }

    /** Walks (and creates) the parent directories one component at a time: each must be a real directory. */
    private String parents(List<String> comps, String member) throws FsException {
        StringBuilder p = new StringBuilder(rootStr);
        StringBuilder rel = new StringBuilder();
        for (String c : comps) {
            p.append('/').append(c);
            if (rel.length() > 0) rel.append('/');
            rel.append(c);
            Stat st = Host.lstatOrNull(p.toString());
            if (st == null) {
                if (whiteouts.contains(rel.toString()))
                    throw new StoreException("member " + EntryNames.quote(member) + ": below " + rel + ", which this layer deletes");
                Host.mkdir(p.toString(), 0755);
            } else if (!st.isDir()) {
                throw new StoreException("member " + EntryNames.quote(member) + ": " + rel + " is "
                        + (st.isSymlink() ? "a symlink" : "not a directory") + " in this layer; refusing to write through it");
            }
        }
        return p.toString();
    }

    private void whiteoutOrOpaque(TarArchiveEntry e, List<String> parentComps, String name) throws FsException {
        String dir = parents(parentComps, e.getName());
        if (name.equals(Whiteouts.OCI_OPAQUE)) {
            String rel = EntryNames.join(parentComps);
            if (!explicit.add(rel + "/" + Whiteouts.OCI_OPAQUE))
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": duplicate entry");
            Host.setxattr(dir, OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0);
            return;
        }
        if (name.startsWith(Whiteouts.OCI_PREFIX + Whiteouts.OCI_PREFIX))
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": unsupported aufs metadata (.wh..wh.*)");
        String target = name.substring(Whiteouts.OCI_PREFIX.length());
        if (target.isEmpty() || target.equals(".") || target.equals("..") || target.contains("/"))
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": whiteout of an invalid name '" + target + "'");
        if (!e.isFile()) throw new StoreException("member " + EntryNames.quote(e.getName()) + ": a whiteout must be a regular file");
        List<String> t = new ArrayList<>(parentComps);
        t.add(target);
        String rel = EntryNames.join(t);
        String path = dir + "/" + target;
        if (!explicit.add(rel) || Host.lstatOrNull(path) != null)
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": duplicate entry (the layer also has " + rel + ")");
        Host.mknod(path, Stat.S_IFCHR, 0);
        whiteouts.add(rel);
    }

    private void hardLink(TarArchiveEntry e, String path) throws FsException {
        List<String> target = EntryNames.split(e.getLinkName(), "hard link " + EntryNames.quote(e.getName()) + " to");
        String rel = EntryNames.join(target);
        if (target.isEmpty() || !explicit.contains(rel) || whiteouts.contains(rel))
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": hard link to " + EntryNames.quote(e.getLinkName())
                    + ", which is not a file of this layer (hard links may only join members extracted before them)");
        String t = parents(target.subList(0, target.size() - 1), e.getName()) + "/" + target.get(target.size() - 1);
        Stat st = Host.lstat(t);
        if (st.isDir()) throw new StoreException("member " + EntryNames.quote(e.getName()) + ": hard link to a directory");
        Host.link(t, path);
    }

    private void regularFile(TarArchiveInputStream in, TarArchiveEntry e, String path) throws IOException, FsException {
        long stored = e.getSize();
        long free = Files.getFileStore(root).getUsableSpace();
        if (stored > free)
            throw new StoreException("member " + EntryNames.quote(e.getName()) + ": " + stored + " bytes, more than the "
                    + free + " bytes free in the store");
        long size = e.isSparse() ? e.getRealSize() : stored;
        try (FileChannel ch = FileChannel.open(Path.of(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            if (e.isSparse()) {
                long pos = 0;
                for (TarArchiveStructSparse s : e.getOrderedSparseHeaders()) {
                    if (s.getOffset() < pos || s.getOffset() + s.getNumbytes() > size)
                        throw new StoreException("member " + EntryNames.quote(e.getName()) + ": bad sparse map");
                    skipFully(in, s.getOffset() - pos);
                    copy(in, ch, s.getOffset(), s.getNumbytes());
                    pos = s.getOffset() + s.getNumbytes();
                }
            } else {
                copy(in, ch, 0, size);
            }
        }
        if (Files.size(Path.of(path)) != size) Host.truncate(path, size);
    }

    private void copy(InputStream in, FileChannel ch, long offset, long len) throws IOException {
        byte[] buf = new byte[(int) Math.min(BUF, Math.max(len, 1))];
        long done = 0;
        while (done < len) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, len - done));
            if (n < 0) throw new java.io.EOFException("truncated archive: data ends " + (len - done) + " bytes early");
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            while (b.hasRemaining()) ch.write(b, offset + done + b.position());
            done += n;
            bytes += n;
        }
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new java.io.EOFException("truncated archive in a sparse file");
                s = 1;
            }
            n -= s;
        }
    }

    private void applyOwnerAndXattrs(String path, TarArchiveEntry e) throws FsException {
        if (asRoot) Host.lchown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
        for (Map.Entry<String, String> x : e.getExtraPaxHeaders().entrySet()) {
            if (!x.getKey().startsWith("SCHILY.xattr.")) continue;
            String name = x.getKey().substring("SCHILY.xattr.".length());
            if (OverlayXattrs.isPrivate(name))
                throw new StoreException("member " + EntryNames.quote(e.getName()) + ": xattr " + name
                        + " refused (overlay metadata cannot come from an image)");
            byte[] value = x.getValue().getBytes(StandardCharsets.UTF_8);
            if (x.getValue().indexOf('\uFFFD') >= 0) value = RawXattrTap.raw(current, e.getName(), name); // not UTF-8: binary
            Host.setxattr(path, name, value, 0);
        }
    }

    private static void utimes(String path, TarArchiveEntry e) throws FsException {
        long sec = e.getLastModifiedTime().toInstant().getEpochSecond();
        int nsec = e.getLastModifiedTime().toInstant().getNano();
        Host.utimens(path, sec, nsec, sec, nsec);
    }

    /** Directory modes and times last, deepest first: writing children would change a parent's mtime. */
    private void finishDirectories() throws FsException {
        List<String> dirs = new ArrayList<>(dirMeta.keySet());
        dirs.sort(Comparator.comparingInt(String::length).reversed());
        for (String rel : dirs) {
            TarArchiveEntry e = dirMeta.get(rel);
            String path = rel.isEmpty() ? rootStr : rootStr + "/" + rel;
            Host.chmod(path, e.getMode() & 07777);
            utimes(path, e);
        }
    }
}
