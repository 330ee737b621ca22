package io.strata.core.options;

import java.util.ArrayList;
import java.util.List;

/**
 * fuse-overlayfs' {@code uidmapping=}/{@code gidmapping=}: colon-separated triples STORED:SHOWN:COUNT, in fuse-overlayfs'
 * order — the id in the layers first, then the id callers see and set: with podman's {@code 0:100000:65536} a layer's
 * root-owned file shows as 100000, and chown to 100007 stores 7. In this class's words, stored ids are "outside" ids
 * and shown ones "inside" ids. Stored ids without a mapping show as the overflow id 65534.
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

    /**
     * Empty fields are skipped, as fuse-overlayfs' strtok does: containers-storage passes {@code :0:100000:65536} (each
     * triple with a leading colon).
     */
    public static IdMapping parse(String spec) {
        String[] f = java.util.Arrays.stream(spec.split(":")).filter(x -> !x.isEmpty()).toArray(String[]::new);
        if (f.length % 3 != 0) throw new IllegalArgumentException("id mapping needs STORED:SHOWN:COUNT triples: " + spec);
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < f.length; i += 3) {
            try {
                long out = Long.parseLong(f[i]), in = Long.parseLong(f[i + 1]), n = Long.parseLong(f[i + 2]);
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
