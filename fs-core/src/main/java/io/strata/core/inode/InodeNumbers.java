package io.strata.core.inode;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.namei.Node;
import io.strata.core.xattr.OverlayXattrs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stable st_ino for union objects, like overlayfs' xino. When all layers share one filesystem the real inode number
 * is unique across them and is used as is; otherwise the filesystem's index goes in the top 8 bits (the upper's = 0,
 * the lowers' distinct filesystems 1, 2, … in layer order). A copied-up object keeps the number of the object it was
 * copied from, found through its {@code trusted.overlay.origin} (written by Strata's copy-up or the kernel's alike).
 */
public final class InodeNumbers {
    private static final int LAYER_SHIFT = 56;
    private static final long REAL_MASK = (1L << LAYER_SHIFT) - 1;
    private static final long NONE = -1;

    private final LayerStack layers;
    private final boolean sameFs;
    /** st_dev → the top-bits tag of its filesystem. */
    private final Map<Long, Integer> fsTags = new LinkedHashMap<>();
    /** One directory and the UUID of each lower filesystem, to encode and decode origins. */
    private final List<LowerFs> lowerFs = new ArrayList<>();
    /** upper real ino → inherited union ino (or NONE): copy-up origins never change while the inode lives. */
    private final ConcurrentHashMap<Long, Long> inherited = new ConcurrentHashMap<>();

    private record LowerFs(long dev, String root, byte[] uuid) {
    }

    public InodeNumbers(LayerStack layers) throws FsException {
        this.layers = layers;
        if (layers.upper() != null) fsTags.put(layers.upper().fs().lstat(layers.upper().root()).dev(), 0);
        for (DirLayer l : layers.lowers()) {
            long dev = l.fs().lstat(l.root()).dev();
            if (l.fs().isHost() && lowerFs.stream().noneMatch(f -> f.dev() == dev))
                lowerFs.add(new LowerFs(dev, l.root(), Host.fsUuid(l.root())));
            fsTags.putIfAbsent(dev, fsTags.size());
        }
        this.sameFs = fsTags.size() == 1;
    }

    public boolean sameFs() {
        return sameFs;
    }

    public long of(Node n) throws FsException {
        if (n.upper() != null) {
            long real = n.upper().ino();
            Long known = inherited.get(real);
            if (known == null) {
                known = readInherited(n.path());
                inherited.put(real, known);
            }
            return known != NONE ? known : compose(n.upper().dev(), real);
        }
        Stat st = n.lowers().get(0).stat();
        return compose(st.dev(), st.ino());
    }

    /** The union just made this upper object: it was copied from nothing, so it has no origin to read. */
    public void created(Stat upper) {
        inherited.put(upper.ino(), NONE);
    }

    /** An upper inode went away (unlink, rmdir, replaced by rename): its number may be reused for another object. */
    public void forget(Stat upper) {
        if (upper != null) inherited.remove(upper.ino());
    }

    private long compose(long dev, long realIno) {
        if (sameFs) return realIno;
        Integer tag = fsTags.get(dev);
        return ((long) (tag == null ? 0xff : tag) << LAYER_SHIFT) | (realIno & REAL_MASK);
    }

    /** The origin xattr to write on a copy of the lower object at hostPath (whose filesystem is dev). */
    public byte[] originOf(String hostPath, long dev) throws FsException {
        for (LowerFs f : lowerFs) {
            if (f.dev() != dev) continue;
            OriginHandle o = OriginHandle.of(hostPath, f.uuid());
            return o == null ? new byte[0] : o.encode();
        }
        return new byte[0];
    }

    private long readInherited(String path) throws FsException {
        OriginHandle o = OriginHandle.parse(layers.upper().getxattr(path, OverlayXattrs.ORIGIN));
        if (o == null) return NONE;
        Stat st = resolve(o);
        return st == null ? NONE : compose(st.dev(), st.ino());
    }

    /** The lower object an origin names, or null when it is on none of the lower filesystems (or is gone). */
    public Stat resolve(OriginHandle o) {
        for (LowerFs f : lowerFs) {
            if (f.uuid() != null && !Arrays.equals(f.uuid(), o.uuid())) continue;
            Stat st = Host.statByHandle(f.root(), o.fileHandle());
            if (st != null && st.dev() == f.dev()) return st;
        }
        return null;
    }
}
