package io.strata.core.copyup;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other names of a hard-linked lower file. Lower layers never change, so each is walked once, on the first
 * copy-up of a file with more than one link, and the inode → names map is kept. Copy-up links every name that still
 * shows that lower file into the upper layer, so a hard-linked file stays one file (what overlayfs' index=on gives).
 */
final class HardLinks {
    private final LayerStack layers;
    private final Map<Integer, Map<Long, List<String>>> byLayer = new ConcurrentHashMap<>();

    HardLinks(LayerStack layers) {
        this.layers = layers;
    }

    /** Layer-relative paths of all names of the lower object (including rel itself). */
    List<String> names(int layer, Stat st) throws FsException {
        Map<Long, List<String>> m = byLayer.get(layer);
        if (m == null) {
            m = walk(layers.lower(layer));
            byLayer.put(layer, m);
        }
        return m.getOrDefault(st.ino(), List.of());
    }

    private static Map<Long, List<String>> walk(DirLayer l) throws FsException {
        Map<Long, List<String>> m = new HashMap<>();
        List<String> dirs = new ArrayList<>(List.of(""));
        while (!dirs.isEmpty()) {
            String dir = dirs.remove(dirs.size() - 1);
            for (String name : l.list(dir)) {
                String rel = Paths.join(dir, name);
                Stat st = l.lstat(rel);
                if (st == null) continue;
                if (st.isDir()) dirs.add(rel);
                else if (st.nlink() > 1) m.computeIfAbsent(st.ino(), k -> new ArrayList<>()).add(rel);
            }
        }
        return m;
    }
}
