package io.strata.core.namei;

import io.strata.core.host.Stat;

import java.util.List;

/**
 * A union path resolved across the layers: what the upper layer holds at that path (if anything) and which lower
 * layers contribute (top first). For a directory the lower hits are the directories merged under it; for a
 * non-directory there is at most one, the object itself or (metacopy) the lower file that holds its data.
 *
 * @param path      union path ("" = root)
 * @param upper     the upper object's stat, or null when the path lives only in lower layers
 * @param lowers    lower hits, top first
 * @param lowerPath the path under which lower layers are searched for this node's children (follows redirects)
 * @param metacopy  the upper object is a metadata-only copy whose data is in lowers.get(0)
 */
public record Node(String path, Stat upper, List<Hit> lowers, String lowerPath, boolean metacopy) {

    /** One layer's object at this node: layer index (0 = top lower), layer-relative path and its stat. */
    public record Hit(int layer, String rel, Stat stat) {
    }

    /** The stat of the object that decides type and metadata: upper if present, else the top lower one. */
    public Stat top() {
        return upper != null ? upper : lowers.get(0).stat();
    }

    public boolean isDir() {
        return top().isDir();
    }

    public boolean inUpper() {
        return upper != null;
    }

    /** Some lower layer has an object at this path, so deleting it needs a whiteout. */
    public boolean hasLower() {
        return !lowers.isEmpty();
    }

    /** A directory whose listing combines more than one layer. */
    public boolean isMerged() {
        return isDir() && (upper != null ? !lowers.isEmpty() : lowers.size() > 1);
    }

    /** The hit in that layer, or null (hits are in layer order: a binary search, as a directory may have hundreds). */
    public Hit hitIn(int layer) {
        int lo = 0;
        int hi = lowers.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int l = lowers.get(mid).layer();
            if (l < layer) lo = mid + 1;
            else if (l > layer) hi = mid - 1;
            else return lowers.get(mid);
        }
        return null;
    }
}
