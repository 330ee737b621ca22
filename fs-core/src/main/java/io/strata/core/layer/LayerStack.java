package io.strata.core.layer;

import java.util.List;

/**
 * The layers of one union, top first: an optional writable upper and one or more read-only lowers, plus the
 * overlayfs features that change the on-disk format Strata writes (metacopy).
 */
public final class LayerStack {
    private final DirLayer upper;
    private final List<DirLayer> lowers;
    private final boolean metacopy;

    public LayerStack(DirLayer upper, List<DirLayer> lowers, boolean metacopy) {
        if (lowers.isEmpty() && upper == null) throw new IllegalArgumentException("a union needs at least one layer");
        this.upper = upper;
        this.lowers = List.copyOf(lowers);
        this.metacopy = metacopy;
    }

    /** The writable layer, or null for a read-only union. */
    public DirLayer upper() {
        return upper;
    }

    public int lowerCount() {
        return lowers.size();
    }

    public DirLayer lower(int i) {
        return lowers.get(i);
    }

    public List<DirLayer> lowers() {
        return lowers;
    }

    /** Metadata-only copy-up (overlayfs {@code metacopy=on}): chmod/chown/utimens/setxattr do not copy data. */
    public boolean metacopy() {
        return metacopy;
    }
}
