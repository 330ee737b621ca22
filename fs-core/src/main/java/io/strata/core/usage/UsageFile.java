package io.strata.core.usage;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The counters of an upper kept on disk, in {@code WORKDIR/strata-usage} (the work directory is the union's own; the
 * kernel's overlayfs leaves other entries there alone). A few {@code key=value} lines:
 * <ul>
 * <li>{@code state=clean}: written when the union was unmounted; the counters are exact as long as nothing else wrote
 * the upper since (a kernel mount, or a Strata mount without {@code usage=on}: the upper root's ctime, kept here,
 * catches changes of its own entries only);</li>
 * <li>{@code state=live}, with the serving process' pid and start time: written at mount and then at most once a
 * second while the counters change. Exact up to that second while that process lives; if it died (a crash, kill -9),
 * the writes after the last save are unknown and the next mount walks the upper.</li>
 * </ul>
 */
public final class UsageFile {
    public static final String NAME = "strata-usage";

    /** What the file says: the counters, whether they were final (clean), and the upper they belong to. */
    public record Saved(DiskUsage.Usage usage, boolean clean, boolean writerAlive) {
        /** Counters that can be trusted: final, or kept by a process that is still serving the upper. */
        public boolean current() {
            return clean || writerAlive;
        }
    }

    private UsageFile() {
    }

    public static Path of(String workRoot) {
        return Path.of(workRoot, NAME);
    }

    /** The counters saved for upperRoot under workRoot, or empty when there are none, or they belong to another upper. */
    public static Optional<Saved> read(String workRoot, String upperRoot) {
        Map<String, String> kv = new HashMap<>();
        try {
            for (String line : Files.readAllLines(of(workRoot), StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
            Stat root = Host.lstatOrNull(upperRoot);
            if (root == null || !identity(root).equals(kv.get("upper"))) return Optional.empty();
            DiskUsage.Usage u = new DiskUsage.Usage(Long.parseLong(kv.get("bytes")), Long.parseLong(kv.get("inodes")));
            // while served the root changes under the saved line; once unmounted it must be as it was left
            boolean clean = "clean".equals(kv.get("state")) && ctime(root).equals(kv.get("ctime"));
            boolean alive = "live".equals(kv.get("state")) && alive(kv.get("pid"), kv.get("start"));
            return Optional.of(new Saved(u, clean, alive));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | FsException | RuntimeException e) {
            return Optional.empty(); // unreadable or cut short: as good as missing, the caller walks
        }
    }

    /** Replaces the file atomically (no fsync: after a power loss the upper's own data is not synced either). */
    static void write(String workRoot, String upperRoot, DiskUsage.Usage u, boolean clean) {
        try {
            Stat root = Host.lstat(upperRoot);
            StringBuilder b = new StringBuilder("# strata: allocated bytes and inodes of ").append(upperRoot).append('\n')
                    .append("state=").append(clean ? "clean" : "live").append('\n')
                    .append("bytes=").append(u.size()).append('\n')
                    .append("inodes=").append(u.inodes()).append('\n')
                    .append("upper=").append(identity(root)).append('\n')
                    .append("ctime=").append(ctime(root)).append('\n');
            if (!clean) {
                ProcessHandle me = ProcessHandle.current();
                b.append("pid=").append(me.pid()).append('\n').append("start=").append(startOf(me)).append('\n');
            }
            Path file = of(workRoot);
            Path tmp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (FsException e) {
            throw new IllegalStateException("usage of " + upperRoot + ": " + e.getMessage(), e);
        }
    }

    /** The upper root's device and inode: another directory at the same path is another upper. */
    private static String identity(Stat root) {
        return root.dev() + ":" + root.ino();
    }

    /** The upper root's ctime: a change of its own entries after a clean save. */
    private static String ctime(Stat root) {
        return root.ctimeSec() + "." + root.ctimeNsec();
    }

    private static String startOf(ProcessHandle p) {
        return p.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("?");
    }

    private static boolean alive(String pid, String start) {
        if (pid == null) return false;
        return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                .map(p -> startOf(p).equals(start)).orElse(false);
    }
}
