package io.strata.launcher.run.cgroup;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's resource limits as the kernel takes them (docker's flags already resolved): memory and memory+swap
 * in bytes, the CFS quota and period in microseconds, the pids maximum. {@link #NONE} (-1) means "no limit".
 */
public record Limits(long memory, long memorySwap, long cpuQuota, long cpuPeriod, long pids) {
    public static final long NONE = -1;
    public static final long CPU_PERIOD = 100_000;
    public static final Limits UNLIMITED = new Limits(NONE, NONE, NONE, CPU_PERIOD, NONE);

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgtp]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

    /**
     * docker's flags: {@code memory} ("64m"; null: none), {@code memorySwap} (memory+swap total; "-1": unlimited swap;
     * null with a memory limit: twice the memory, as docker), {@code cpus} (0.5 = half a CPU; null: none),
     * {@code pids} (null, 0 or -1: none).
     */
    public static Limits of(String memory, String memorySwap, String cpus, Long pids) {
        long mem = memory == null ? NONE : bytes(memory, "--memory");
        if (mem != NONE && mem < 6 << 20) throw new IllegalArgumentException("--memory " + memory + ": the minimum is 6m");
        long swap;
        if (memorySwap == null) swap = mem == NONE ? NONE : 2 * mem;
        else if (memorySwap.trim().equals("-1")) swap = NONE;
        else {
            if (mem == NONE) throw new IllegalArgumentException("--memory-swap needs --memory");
            swap = bytes(memorySwap, "--memory-swap");
            if (swap < mem) throw new IllegalArgumentException("--memory-swap " + memorySwap + " is less than --memory " + memory
                    + " (it is memory plus swap)");
        }
        long quota = NONE;
        if (cpus != null) {
            double c;
            try {
                c = Double.parseDouble(cpus.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--cpus " + cpus + ": not a number");
            }
            int n = Runtime.getRuntime().availableProcessors();
            if (c < 0.01 || c > n) throw new IllegalArgumentException("--cpus " + cpus + ": the range is 0.01 to " + n);
            quota = Math.round(c * CPU_PERIOD);
        }
        long p = pids == null || pids == 0 || pids == -1 ? NONE : pids;
        if (p != NONE && p < 1) throw new IllegalArgumentException("--pids-limit " + pids + ": a positive number (or -1: none)");
        return new Limits(mem, swap, quota, CPU_PERIOD, p);
    }

    /** "64m", "1g", "512k", "100" (bytes), "64MiB": binary units, as docker. */
    public static long bytes(String s, String flag) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException(flag + " " + s + ": expected a size like 64m, 1g, 512k");
        double n = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        double v = n * (1L << shift);
        if (v >= Long.MAX_VALUE / 2) throw new IllegalArgumentException(flag + " " + s + ": too large");
        return (long) v;
    }

    public boolean limitsMemory() {
        return memory != NONE;
    }

    public boolean limitsCpu() {
        return cpuQuota != NONE;
    }

    public boolean limitsPids() {
        return pids != NONE;
    }
}
