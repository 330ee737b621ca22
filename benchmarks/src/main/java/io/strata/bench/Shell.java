package io.strata.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs commands the way a user would, and the two cache levers: sync and drop_caches. */
final class Shell {
    private Shell() {
    }

    /** What a command printed and how it ended. */
    record Result(int exit, String out, String err, double seconds, long stdoutLines) {
        Result orThrow(List<String> cmd) {
            if (exit != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + exit + ": " + (err + out).trim());
            return this;
        }
    }

    static Result run(List<String> cmd) {
        return run(cmd, Map.of(), false);
    }

    /**
     * Runs cmd and times it from start until exit. With countLines, stdout is only counted (not kept): a long `find`
     * output costs the same on every filesystem.
     */
    static Result run(List<String> cmd, Map<String, String> env, boolean countLines) {
        return run(cmd, env, countLines, null);
    }

    /** The same, in directory dir (null: this process' working directory). */
    static Result run(List<String> cmd, Map<String, String> env, boolean countLines, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) pb.directory(dir.toFile());
        env.forEach((k, v) -> { // an empty value removes the variable
            if (v.isEmpty()) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path errFile;
        try {
            errFile = Files.createTempFile("bench-err-", ".txt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pb.redirectError(errFile.toFile());
        long t0 = System.nanoTime();
        try {
            Process p = pb.start();
            long lines = 0;
            String out = "";
            try (InputStream in = p.getInputStream()) {
                if (countLines) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; )
                        for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
                } else {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            int exit = p.waitFor();
            double secs = (System.nanoTime() - t0) / 1e9;
            String err = Files.readString(errFile);
            return new Result(exit, out, err, secs, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + cmd);
        } finally {
            try {
                Files.deleteIfExists(errFile);
            } catch (IOException ignored) {
            }
        }
    }

    static String output(String... cmd) {
        Result r = run(List.of(cmd));
        return r.exit() == 0 ? r.out().trim() : "(" + String.join(" ", cmd) + ": exit " + r.exit() + ")";
    }

    static void sync() {
        run(List.of("sync")).orThrow(List.of("sync"));
    }

    /** Writes back dirty data, then drops the page cache, dentries and inodes of every filesystem. */
    static void dropCaches() {
        sync();
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot drop caches (run as root)", e);
        }
    }

    static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        if (s == null) return w;
        for (String x : s.trim().split("\\s+")) if (!x.isEmpty()) w.add(x);
        return w;
    }

    /** rm -rf that never crosses into a mount (a union left mounted by mistake must not lose its lowers). */
    static void removeTree(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        List<String> cmd = List.of("rm", "-rf", "--one-file-system", p.toString());
        Result r = run(cmd);
        if (r.exit() != 0) System.err.println("bench: " + String.join(" ", cmd) + ": " + r.err().trim());
    }
}
