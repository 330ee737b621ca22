package io.strata.core.options;

import java.util.ArrayList;
import java.util.List;

/**
 * fuse-overlayfs' {@code uidmapping=}/{@code gidmapping=}: colon-separated triples INSIDE:OUTSIDE:COUNT. Ids stored on
 * disk are "outside" ids; callers see and set "inside" ids. Ids without a mapping show as the overflow id 65534.
 */
public final class IdMapping {
    public static final IdMapping IDENTITY = new IdMapping(List.of());
    private static final int OVERFLOW = 65534;

    private record Range(long inside, long outside, long count) {
    }

    private final List<Range> ranges;

    private IdMapping(List<Range> ranges) {
        this.ranges = ranges;
    }

    public static IdMapping parse(String spec) {
        String[] f = spec.split(":");
        if (f.length % 3 != 0) throw new IllegalArgumentException("id mapping needs INSIDE:OUTSIDE:COUNT triples: " + spec);
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < f.length; i += 3) {
            try {
                long in = Long.parseLong(f[i]), out = Long.parseLong(f[i + 1]), n = Long.parseLong(f[i + 2]);
                if (in < 0 || out < 0 || n <= 0) throw new NumberFormatException();
                ranges.add(new Range(in, out, n));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad id mapping triple in " + spec);
            }
        }
        return new IdMapping(List.copyOf(ranges));
    }

    public boolean isIdentity() {
        return ranges.isEmpty();
    }

    /** On-disk id → id shown to callers. */
    public int toInside(int outside) {
        if (ranges.isEmpty()) return outside;
        long o = outside & 0xffffffffL;
        for (Range r : ranges) if (o >= r.outside && o < r.outside + r.count) return (int) (r.inside + (o - r.outside));
        return OVERFLOW;
    }

    /** Caller's id → id stored on disk; -1 when the id has no mapping. */
    public int toOutside(int inside) {
        if (ranges.isEmpty()) return inside;
        long i = inside & 0xffffffffL;
        for (Range r : ranges) if (i >= r.inside && i < r.inside + r.count) return (int) (r.outside + (i - r.inside));
        return -1;
    }
}
