package io.strata.store.block.diff;

/** One line of {@code strata diff}: kind 'A' (added), 'C' (changed) or 'D' (deleted), and an absolute path. */
public record Change(char kind, String path) implements Comparable<Change> {
    @Override
    public int compareTo(Change o) {
        int c = path.compareTo(o.path);
        return c != 0 ? c : Character.compare(kind, o.kind);
    }

    @Override
    public String toString() {
        return kind + " " + path;
    }
}
