package io.strata.core.namei;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A merged listing of one directory and what it learned on the way: which names the upper holds and in which lower
 * layers each name (or an OCI marker of it) was listed. {@link Lookup#resolveListed} resolves an entry from it without
 * asking the layers where the name is not (readdirplus over many layers costs one lstat per layer that holds a name,
 * not one per layer per name).
 *
 * @param seq         the lookup cache's change sequence taken before {@code dir} was resolved and listed
 * @param dir         the listed directory
 * @param names       the union's names, as {@code readdir} shows them
 * @param upperNames  every name of the upper directory (whiteouts and markers too), or null when dir has no upper
 * @param lowerLayers name → the lower layers (ascending) whose listing of dir holds the name or its {@code .wh.} marker
 */
public record Listed(long seq, Node dir, List<String> names, Set<String> upperNames, Map<String, int[]> lowerLayers) {
    private static final int[] NONE = {};

    boolean inUpper(String name) {
        return upperNames != null && upperNames.contains(name);
    }

    int[] lowers(String name) {
        return lowerLayers.getOrDefault(name, NONE);
    }
}
