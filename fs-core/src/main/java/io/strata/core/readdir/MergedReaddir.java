package io.strata.core.readdir;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.namei.Listed;
import io.strata.core.namei.Node;
import io.strata.core.whiteout.Whiteouts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The listing of a merged directory (overlayfs' readdir.c): upper first, then each lower top-down; a name appears
 * once, whiteouts and OCI markers are never shown, and a whiteout in a layer hides the name in the layers below it.
 */
public final class MergedReaddir {
    private final LayerStack layers;

    public MergedReaddir(LayerStack layers) {
        this.layers = layers;
    }

    /** The names in dir, without "." and "..". */
    public List<String> list(Node dir) throws FsException {
        return list(dir, null, null);
    }

    /**
     * The names in dir with what the listing saw on the way, so that its entries resolve without asking every layer
     * ({@link io.strata.core.namei.Lookup#resolveListed}); seq is the lookup's change sequence taken before dir was
     * resolved.
     */
    public Listed listed(Node dir, long seq) throws FsException {
        Set<String> upperNames = dir.inUpper() ? new HashSet<>() : null;
        Map<String, int[]> lowerLayers = new HashMap<>();
        List<String> names = list(dir, upperNames, lowerLayers);
        return new Listed(seq, dir, names, upperNames, lowerLayers);
    }

    private List<String> list(Node dir, Set<String> upperNames, Map<String, int[]> lowerLayers) throws FsException {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> hidden = new HashSet<>();
        boolean single = dir.lowers().size() + (dir.inUpper() ? 1 : 0) == 1;
        if (dir.inUpper()) {
            DirLayer upper = layers.upper();
            for (Host.DirEntry e : upper.listTyped(dir.path())) {
                String name = e.name();
                if (upperNames != null) upperNames.add(name);
                if (upper.isMarkerName(name)) { // an upper read like fuse-overlayfs' (tar_whiteouts=all)
                    if (!name.equals(Whiteouts.OCI_OPAQUE)) hidden.add(name.substring(Whiteouts.OCI_PREFIX.length()));
                    continue;
                }
                if (upper.isWhiteout(dir.path(), e)) hidden.add(name);
                else if (single || seen.add(name)) out.add(name);
            }
        }
        for (Node.Hit h : dir.lowers()) {
            DirLayer l = layers.lower(h.layer());
            Set<String> hiddenBelow = new HashSet<>();
            for (Host.DirEntry e : l.listTyped(h.rel())) {
                String name = e.name();
                if (l.isMarkerName(name)) {
                    if (!name.equals(Whiteouts.OCI_OPAQUE)) {
                        String target = name.substring(Whiteouts.OCI_PREFIX.length());
                        hiddenBelow.add(target);
                        if (lowerLayers != null) seenIn(lowerLayers, target, h.layer());
                    }
                    continue;
                }
                if (lowerLayers != null) seenIn(lowerLayers, name, h.layer());
                if (hidden.contains(name) || (!single && seen.contains(name))) continue;
                if (l.isWhiteout(h.rel(), e)) {
                    hiddenBelow.add(name);
                    continue;
                }
                if (!single) seen.add(name);
                out.add(name);
            }
            hidden.addAll(hiddenBelow);
        }
        return out;
    }

    /** Records that layer's listing holds name (or its marker); layers come in ascending order. */
    private static void seenIn(Map<String, int[]> lowerLayers, String name, int layer) {
        int[] in = lowerLayers.get(name);
        if (in == null) {
            lowerLayers.put(name, new int[] {layer});
        } else if (in[in.length - 1] != layer) {
            int[] more = Arrays.copyOf(in, in.length + 1);
            more[in.length] = layer;
            lowerLayers.put(name, more);
        }
    }

    /** Does dir look empty through the union (only whiteouts, if anything, underneath)? */
    public boolean isEmpty(Node dir) throws FsException {
        return list(dir).isEmpty();
    }
}
