package io.strata.launcher;

import io.strata.fuse.MountTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM cannot fork, so "mount and return" starts a detached child JVM (its own session, via setsid) that serves the
 * mount, and waits until the mount shows in /proc/self/mountinfo, or the child dies (its error is shown).
 */
final class Daemon {
    /**
     * A serving JVM's heap (the mount server's and the store daemon's): it grows past its start only as far as what
     * stays live needs (at most 20% free after a full collection), and running out ends the process.
     */
    static final List<String> HEAP_GROWS_AS_NEEDED = List.of("-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40",
            "-XX:+ExitOnOutOfMemoryError");

    /**
     * JVM settings for a serving process, chosen by measurement (FACTS.md: a default JVM grew past 1 GB RSS). The heap
     * starts at 128 MiB and grows only when what stays live needs it (at most 20% free after a full collection): the
     * heap holds ~0.65 KiB per name the kernel has looked up (0.9 KiB before the node table's LongMap), so a fixed
     * 128 MiB ran out in a walk of 155k names (at 0.9 KiB) and the mount died. Should the heap still run out, the process exits (the mount then answers ENOTCONN) instead of
     * leaving a worker thread dead and callers waiting for ever. Also in scripts/serve-mount.sh and bin/strata-overlay.
     */
    static final List<String> JVM_FLAGS = concat(List.of("-Xms128m", "-Xmx1g", "-Xmn40m"), HEAP_GROWS_AS_NEEDED,
            List.of("-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-Xshare:auto"));

    private Daemon() {
    }

    @SafeVarargs
    static List<String> concat(List<String>... parts) {
        return java.util.stream.Stream.of(parts).flatMap(List::stream).toList();
    }

    static void startAndAwaitMount(List<String> strataArgs, Path mountPoint) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid"); // a new session, same pid: we can still watch it
        cmd.add(java);
        cmd.addAll(JVM_FLAGS);
        String extra = System.getenv("STRATA_JVM_OPTS");
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(strataArgs);
        Path log = Files.createTempFile("strata-mount-", ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (MountTable.isMounted(mountPoint)) {
                Files.deleteIfExists(log);
                return;
            }
            if (!p.isAlive()) break;
            Thread.sleep(10);
        }
        if (p.isAlive()) p.destroyForcibly();
        String err = Files.readString(log, StandardCharsets.UTF_8).trim();
        Files.deleteIfExists(log);
        throw new UserError("mount at " + mountPoint + " failed" + (err.isEmpty() ? "" : ":\n" + err));
    }
}
