package io.strata.core.copyup;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.Paths;
import io.strata.core.namei.Lookup;
import io.strata.core.namei.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where lower directories show in the union now that some were renamed (redirects): for every upper directory that
 * merges a lower one, the lower path it shows → its union path. Found by walking the upper's directories, so it is
 * asked only when a lower name cannot be found where its directory's neighbours are (hard links across directories
 * renamed apart).
 */
final class MovedDirs {
    private final Map<String, String> shownAt;

    private MovedDirs(Map<String, String> shownAt) {
        this.shownAt = shownAt;
    }

    static MovedDirs of(DirLayer upper, Lookup lookup) throws FsException {
        Map<String, String> m = new HashMap<>();
        List<String> dirs = new ArrayList<>(List.of(""));
        while (!dirs.isEmpty()) {
            String dir = dirs.remove(dirs.size() - 1);
            Node n = lookup.resolveOrNullQuietly(dir);
            if (n == null || !n.isDir()) continue;
            if (n.hasLower()) m.put(n.lowerPath(), dir);
            for (Host.DirEntry e : upper.fs().listTyped(upper.host(dir))) {
                if (e.type() == Host.DT_DIR) dirs.add(Paths.join(dir, e.name()));
            }
        }
        return new MovedDirs(m);
    }

    /** Where a lower path shows in the union: under the union path of its deepest moved (or merged) ancestor. */
    String unionPathOf(String lowerRel) {
        for (String p = Paths.parent(lowerRel); ; p = Paths.parent(p)) {
            String at = shownAt.get(p);
            if (at != null) return Paths.join(at, lowerRel.substring(p.isEmpty() ? 0 : p.length() + 1));
            if (p.isEmpty()) return lowerRel;
        }
    }
}
