package io.strata.core.readdir;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.namei.Node;
import io.strata.core.whiteout.Whiteouts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<String> hidden = new HashSet<>();
        boolean single = dir.lowers().size() + (dir.inUpper() ? 1 : 0) == 1;
        if (dir.inUpper()) {
            DirLayer upper = layers.upper();
            for (Host.DirEntry e : upper.listTyped(dir.path())) {
                String name = e.name();
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
                    if (!name.equals(Whiteouts.OCI_OPAQUE)) hiddenBelow.add(name.substring(Whiteouts.OCI_PREFIX.length()));
                    continue;
                }
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

    /** Does dir look empty through the union (only whiteouts, if anything, underneath)? */
    public boolean isEmpty(Node dir) throws FsException {
        return list(dir).isEmpty();
    }
}
