package io.strata.core.layer;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostFs;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.whiteout.SharedWhiteout;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A layer that is a host directory in kernel overlayfs' on-disk format. A lower layer is read-only; the upper layer
 * also has a work directory on the same filesystem, where objects are prepared before they are renamed into place
 * (copy-up, whiteout-replacing creates), so that no half-made object is ever visible.
 *
 * <p>Paths are layer-relative: "" is the root, "a/b" has no leading slash. The union resolves them one component at a
 * time with lstat, so a symlink inside a layer is never followed.
 */
public final class DirLayer {
    private final LayerFs fs;
    private final String root;
    private final String work; // null for lower layers
    private final boolean honourOciMarkers;
    private final SharedWhiteout whiteouts; // null for lower layers
    private final AtomicLong tempCounter = new AtomicLong();
    /** Lower layers never change: what each directory says about itself is read once. */
    private final ConcurrentHashMap<String, DirMarks> lowerDirMarks = new ConcurrentHashMap<>();

    /**
     * A lower directory's overlay markers: opaque (either form), redirect, the names its OCI markers delete, and all
     * its names (null when not kept), read together by one listing.
     */
    private record DirMarks(boolean opaque, boolean xwhiteouts, String redirect, Set<String> ociWhiteouts, Set<String> names) {
    }

    /**
     * Names of lower directories kept in memory over all layers, so that a name a directory does not hold costs no
     * lstat (a missing name is asked of every layer); beyond the budget, directories are asked name by name. About
     * 100 bytes a name: 64k names are ~6 MiB of a server's 128 MiB heap (Daemon's -Xmx).
     */
    private static final long NAMES_BUDGET = 1 << 16;
    private static final AtomicLong namesKept = new AtomicLong();

    private static final byte[] X = {'x'};

    private DirLayer(LayerFs fs, String root, String work, boolean honourOciMarkers) {
        this.fs = fs;
        this.root = stripSlash(root);
        this.work = work == null ? null : stripSlash(work);
        this.honourOciMarkers = honourOciMarkers;
        this.whiteouts = work == null ? null : new SharedWhiteout(fs, this.work);
    }

    public static DirLayer lower(String root) {
        return new DirLayer(HostFs.INSTANCE, root, null, true);
    }

    /** A read-only layer on another filesystem (a frozen block-store upper seen as a lower). */
    public static DirLayer lower(LayerFs fs, String root) {
        return new DirLayer(fs, root, null, true);
    }

    /** The writable layer; {@code workRoot} is overlayfs' workdir (Strata uses its {@code work/} subdirectory). */
    public static DirLayer upper(String root, String workRoot) {
        return upper(HostFs.INSTANCE, root, workRoot);
    }

    /** A writable layer in overlay format on another filesystem (paths are that filesystem's). */
    public static DirLayer upper(LayerFs fs, String root, String workRoot) {
        return upper(fs, root, workRoot, false);
    }

    /**
     * A writable layer; with tarWhiteouts, its OCI markers count too ({@code .wh.NAME} hides NAME of the lower layers,
     * {@code .wh..wh..opq} makes its directory opaque), as fuse-overlayfs reads an upper: containers-storage mounts an
     * image's top layer, extracted with such markers, as the upper of a read-only view.
     */
    public static DirLayer upper(LayerFs fs, String root, String workRoot, boolean tarWhiteouts) {
        return new DirLayer(fs, root, workDirOf(workRoot), tarWhiteouts);
    }

    /** Where Strata builds objects before renaming them into the upper: overlayfs' workdir's {@code work/}. */
    public static String workDirOf(String workRoot) {
        return stripSlash(workRoot) + "/work";
    }

    /** The filesystem this layer's paths ({@link #host}) belong to. */
    public LayerFs fs() {
        return fs;
    }

    private static String stripSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    public String root() {
        return root;
    }

    public boolean writable() {
        return work != null;
    }

    /** The host path of a layer-relative path. */
    public String host(String rel) {
        return rel.isEmpty() ? root : root + "/" + rel;
    }

    // ---- reading, with overlay markers interpreted ----

    public Stat lstat(String rel) throws FsException {
        return fs.lstatOrNull(host(rel));
    }

    /**
     * Is the object at rel (whose stat is st) a whiteout in this layer's own format? A character device 0/0; in a lower
     * directory marked {@code trusted.overlay.opaque=x} (kernel 6.7's rule), also an empty file with
     * {@code trusted.overlay.whiteout}.
     */
    public boolean isWhiteout(String rel, Stat st) throws FsException {
        if (Whiteouts.isWhiteoutDevice(st)) return true;
        return Whiteouts.mayBeXattrWhiteout(st) && work == null && marks(Paths.parent(rel)).xwhiteouts()
                && fs.getxattr(host(rel), OverlayXattrs.WHITEOUT) != null;
    }

    /** The same question for a directory entry, asking the filesystem again only when d_type leaves it open. */
    public boolean isWhiteout(String dirRel, Host.DirEntry e) throws FsException {
        int t = e.type();
        if (whiteouts != null && whiteouts.names(e)) return true;
        if (t == Host.DT_DIR || t == Host.DT_LNK || t == Host.DT_FIFO || t == Host.DT_SOCK || t == Host.DT_BLK) return false;
        if (t == Host.DT_REG && (work != null || !marks(dirRel).xwhiteouts())) return false;
        String rel = Paths.join(dirRel, e.name());
        Stat st = lstat(rel);
        return st != null && isWhiteout(rel, st);
    }

    /**
     * Does this layer carry an OCI {@code .wh.NAME} marker for name in dir? Lower layers are read once per directory;
     * an upper that honours markers (it changes) is asked each time.
     */
    public boolean hasOciWhiteout(String dirRel, String name) throws FsException {
        if (!honourOciMarkers) return false;
        if (work == null) return marks(dirRel).ociWhiteouts().contains(name);
        return fs.lstatOrNull(host(Paths.join(dirRel, Whiteouts.ociWhiteoutFor(name)))) != null;
    }

    public boolean isOpaque(String dirRel) throws FsException {
        if (work == null) return marks(dirRel).opaque();
        return isOpaqueXattr(dirRel)
                || honourOciMarkers && fs.lstatOrNull(host(Paths.join(dirRel, Whiteouts.OCI_OPAQUE))) != null;
    }

    /** Whether this upper layer reads OCI markers (see {@link #upper(LayerFs, String, String, boolean)}). */
    public boolean honoursOciMarkers() {
        return honourOciMarkers;
    }

    private boolean isOpaqueXattr(String dirRel) throws FsException {
        byte[] v = fs.getxattr(host(dirRel), OverlayXattrs.OPAQUE);
        return v != null && Arrays.equals(v, OverlayXattrs.YES);
    }

    /** The {@code trusted.overlay.redirect} of a directory, or null. */
    public String dirRedirect(String dirRel) throws FsException {
        return work == null ? marks(dirRel).redirect() : redirectXattr(dirRel);
    }

    /** The {@code trusted.overlay.redirect} of a metacopy file, or null. */
    public String fileRedirect(String rel) throws FsException {
        return redirectXattr(rel);
    }

    private String redirectXattr(String rel) throws FsException {
        byte[] v = fs.getxattr(host(rel), OverlayXattrs.REDIRECT);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private DirMarks marks(String dirRel) throws FsException {
        DirMarks m = lowerDirMarks.get(dirRel);
        if (m != null) return m;
        boolean ociOpaque = false;
        Set<String> wh = Set.of();
        Set<String> names = null;
        if (honourOciMarkers) {
            List<String> listed = fs.list(host(dirRel));
            if (namesKept.addAndGet(listed.size()) <= NAMES_BUDGET) names = Set.copyOf(listed);
            else namesKept.addAndGet(-listed.size());
            for (String name : listed) {
                if (!Whiteouts.isOciMarker(name)) continue;
                if (name.equals(Whiteouts.OCI_OPAQUE)) {
                    ociOpaque = true;
                } else {
                    if (wh.isEmpty()) wh = new HashSet<>();
                    wh.add(name.substring(Whiteouts.OCI_PREFIX.length()));
                }
            }
        }
        byte[] opaque = fs.getxattr(host(dirRel), OverlayXattrs.OPAQUE);
        m = new DirMarks(ociOpaque || Arrays.equals(opaque, OverlayXattrs.YES), Arrays.equals(opaque, X),
                redirectXattr(dirRel), wh, names);
        DirMarks raced = lowerDirMarks.putIfAbsent(dirRel, m);
        if (raced != null && names != null) namesKept.addAndGet(-names.size());
        return raced != null ? raced : m;
    }

    /**
     * Could the directory dirRel hold name? False only for a lower directory whose names are kept and lack it: then
     * an lstat would find nothing (lowers never change).
     */
    public boolean mayHold(String dirRel, String name) throws FsException {
        if (work != null) return true;
        Set<String> names = marks(dirRel).names();
        return names == null || names.contains(name);
    }

    public boolean isMetacopy(String rel) throws FsException {
        return fs.getxattr(host(rel), OverlayXattrs.METACOPY) != null;
    }

    /** Is this name an OCI marker file that the layer interprets rather than shows? */
    public boolean isMarkerName(String name) {
        return honourOciMarkers && Whiteouts.isOciMarker(name);
    }

    public List<String> list(String dirRel) throws FsException {
        return fs.list(host(dirRel));
    }

    public List<Host.DirEntry> listTyped(String dirRel) throws FsException {
        return fs.listTyped(host(dirRel));
    }

    public String readlink(String rel) throws FsException {
        return fs.readlink(host(rel));
    }

    public byte[] getxattr(String rel, String name) throws FsException {
        return fs.getxattr(host(rel), name);
    }

    public List<String> listxattr(String rel) throws FsException {
        return fs.listxattr(host(rel));
    }

    public LayerFile open(String rel, int flags, int mode) throws FsException {
        return fs.open(host(rel), flags, mode);
    }

    // ---- writing (upper only) ----

    private void requireWritable() throws FsException {
        if (work == null) throw new FsException(Errno.EROFS, "layer " + root + " is read-only");
    }

    /** A fresh host path inside the work directory, for an object to be built and then renamed into place. */
    public String newTemp() throws FsException {
        requireWritable();
        return work + "/#" + Long.toHexString(ProcessHandle.current().pid()) + "." + tempCounter.incrementAndGet();
    }

    public String workDir() {
        return work;
    }

    public void mkdir(String rel, int mode) throws FsException {
        requireWritable();
        fs.mkdir(host(rel), mode);
    }

    /** Makes a whiteout at a free name of this upper layer. */
    public void makeWhiteout(String rel) throws FsException {
        makeWhiteoutAt(host(rel));
    }

    /** Makes a whiteout at a free host path of this upper layer's filesystem (a temp to be renamed into place). */
    public void makeWhiteoutAt(String hostPath) throws FsException {
        requireWritable();
        whiteouts.makeAt(hostPath);
    }

    public void setOpaque(String rel) throws FsException {
        fs.setxattr(host(rel), OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0);
    }

    public void setRedirect(String rel, String target) throws FsException {
        fs.setxattr(host(rel), OverlayXattrs.REDIRECT, target.getBytes(StandardCharsets.UTF_8), 0);
    }

    public void setxattr(String rel, String name, byte[] value, int flags) throws FsException {
        requireWritable();
        fs.setxattr(host(rel), name, value, flags);
    }

    public void removexattr(String rel, String name) throws FsException {
        requireWritable();
        fs.removexattr(host(rel), name);
    }
}
