package io.strata.core.inode;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.namei.Node;
import io.strata.core.xattr.OverlayXattrs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stable st_ino for union objects, like overlayfs' xino. When all layers share one filesystem the real inode number
 * is unique across them and is used as is; otherwise the layer's index goes in the top 8 bits (upper = 0, lower i =
 * i + 1). A copied-up object keeps the number of the object it was copied from: copy-up records it in
 * {@code trusted.strata.ino}; an upper written by the kernel is understood through its {@code trusted.overlay.origin}
 * file handle (ext4-style 32-bit inode handles, same filesystem).
 */
public final class InodeNumbers {
    private static final int LAYER_SHIFT = 56;
    private static final long REAL_MASK = (1L << LAYER_SHIFT) - 1;
    private static final long NONE = -1;

    private final LayerStack layers;
    private final boolean sameFs;
    /** upper real ino → inherited union ino (or NONE): copy-up origins never change while the inode lives. */
    private final ConcurrentHashMap<Long, Long> inherited = new ConcurrentHashMap<>();

    public InodeNumbers(LayerStack layers) throws FsException {
        this.layers = layers;
        Set<Long> devs = new HashSet<>();
        if (layers.upper() != null) devs.add(Host.lstat(layers.upper().root()).dev());
        for (DirLayer l : layers.lowers()) devs.add(Host.lstat(l.root()).dev());
        this.sameFs = devs.size() == 1;
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
            return known != NONE ? known : compose(0, real);
        }
        Node.Hit h = n.lowers().get(0);
        return compose(h.layer() + 1, h.stat().ino());
    }

    /** The number an object at this node should keep when it is copied up. */
    public long forCopyUp(Node n) throws FsException {
        return of(n);
    }

    /** An upper inode went away (unlink, rmdir, replaced by rename): its number may be reused for another object. */
    public void forget(Stat upper) {
        if (upper != null) inherited.remove(upper.ino());
    }

    public long compose(int layerTag, long realIno) {
        return sameFs ? realIno : ((long) layerTag << LAYER_SHIFT) | (realIno & REAL_MASK);
    }

    private long readInherited(String path) throws FsException {
        DirLayer upper = layers.upper();
        byte[] v = upper.getxattr(path, OverlayXattrs.STRATA_INO);
        if (v != null) {
            try {
                return Long.parseLong(new String(v, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return NONE;
            }
        }
        if (!sameFs) return NONE;
        byte[] fh = upper.getxattr(path, OverlayXattrs.ORIGIN);
        return fh == null ? NONE : inoFromOriginHandle(fh);
    }

    /**
     * struct ovl_fb: version, magic 0xfb, len, flags, type, uuid[16], then the exported file handle. For ext4's
     * FILEID_INO32_GEN (1) and FILEID_INO32_GEN_PARENT (2) the handle starts with the 32-bit inode number.
     */
    static long inoFromOriginHandle(byte[] fb) {
        if (fb.length < 25 || (fb[1] & 0xff) != 0xfb) return NONE;
        int type = fb[4] & 0xff;
        if (type != 1 && type != 2) return NONE;
        return ByteBuffer.wrap(fb, 21, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    public static byte[] encode(long ino) {
        return Long.toString(ino).getBytes(StandardCharsets.US_ASCII);
    }
}
