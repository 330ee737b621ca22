package io.strata.launcher.run;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.strata.launcher.run.StrataRuns.IMAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native client's own behaviour (strata-nsexec client, ClientRuns): help and errors are the CLI's, the client's
 * environment and cwd mean what they mean for the CLI, and without a daemon that can serve the run it hands the run to
 * the JVM CLI. (Everything else a run does is RunCliTest & co. through the client: Run*ClientTest.)
 */
class RunClientTest extends RunTests {
    @Override
    boolean throughClient() {
        return true;
    }

    @Test
    void withoutADaemonTheClientHandsTheRunToTheJvmCliWhichStartsOne() {
        assertEquals(0, s.strata("daemon", "stop").code());
        StrataRuns.Result r = s.strata("run", "--rm", IMAGE, "/bin/sh", "-c", "echo hi; exit 3");
        assertEquals(3, r.code(), r.all());
        assertEquals("hi\n", r.out());
        assertEquals(1, s.fallbacks().size(), "the JVM CLI ran it: " + s.fallbacks());
        StrataRuns.Result again = s.strata("run", "--rm", IMAGE, "/bin/sh", "-c", "echo again; exit 4");
        assertEquals(4, again.code(), again.all());
        assertEquals("again\n", again.out());
        assertEquals(1, s.fallbacks().size(), "the daemon the CLI started served the second run");
        s.assertNothingLeft();
        forgetFallbacks();
    }

    @Test
    void helpAndUsageErrorsAreTheClisOwn() {
        StrataRuns.Result help = s.strata("run", "--help");
        assertEquals(0, help.code(), help.all());
        assertTrue(help.out().startsWith("Usage: strata run "), help.out());
        StrataRuns.Result bogus = s.strata("run", "--bogus", IMAGE);
        assertEquals(125, bogus.code());
        assertTrue(bogus.err().contains("Unknown option: '--bogus'"), bogus.err());
        StrataRuns.Result detachTty = s.strata("run", "-d", "-t", IMAGE, "true");
        assertEquals(125, detachTty.code());
        assertEquals("strata: -d does not go with -i or -t (strata logs shows the output)\n", detachTty.err());
        StrataRuns.Result relative = s.strata("run", "--rm", "-v", "data:/data", IMAGE, "true");
        assertEquals(125, relative.code());
        assertEquals("strata: -v data:/data: the host path must be absolute\n", relative.err());
        // the same text from the JVM CLI
        assertEquals(help.out(), jvm("run", "--help").out());
        assertEquals(bogus.err(), jvm("run", "--bogus", IMAGE).err());
        assertEquals(relative.err(), jvm("run", "--store=" + s.store, "--rm", "-v", "data:/data", IMAGE, "true").err());
        s.assertNothingLeft();
    }

    @Test
    void theClientsEnvironmentAndCwdMeanWhatTheyMeanForTheCli() throws Exception {
        Path link = Files.createSymbolicLink(base.resolve("link"), s.store);
        // a relative --store, -e KEY with the client's value, the client's STRATA_STORE
        List<String> cmd = new ArrayList<>(s.command("run", "--rm", "-e", "FROM_CLIENT", IMAGE, "/bin/sh", "-c", "echo $FROM_CLIENT"));
        cmd.replaceAll(a -> a.equals("--store=" + s.store) ? "--store=store" : a);
        StrataRuns.Result r = exec(cmd, base, Map.of("FROM_CLIENT", "client's value"));
        assertEquals(0, r.code(), r.all());
        assertEquals("client's value\n", r.out());
        cmd.remove("--store=store");
        r = exec(cmd, Path.of("/"), Map.of("FROM_CLIENT", "env store", "STRATA_STORE", s.store.toString()));
        assertEquals("env store\n", r.out(), r.all());
        assertEquals(List.of(), s.fallbacks());
        // the store by another path: the daemon does not serve it as its own, the JVM CLI runs it
        cmd.add(cmd.indexOf("run") + 1, "--store=" + link);
        r = exec(cmd, base, Map.of("FROM_CLIENT", "by the link"));
        assertEquals("by the link\n", r.out(), r.all());
        assertEquals(1, s.fallbacks().size(), s.fallbacks().toString());
        s.assertNothingLeft();
        forgetFallbacks();
    }

    private StrataRuns.Result jvm(String... args) {
        List<String> cmd = new ArrayList<>(s.command("ps"));
        cmd.subList(cmd.indexOf("ps"), cmd.size()).clear();
        cmd.addAll(List.of(args));
        return exec(cmd, base, Map.of());
    }

    private StrataRuns.Result exec(List<String> cmd, Path cwd, Map<String, String> env) {
        try {
            Path out = Files.createTempFile(base, "out", ""), err = Files.createTempFile(base, "err", "");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("STRATA_STORE");
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + cmd);
            } finally {
                p.destroyForcibly();
            }
            return new StrataRuns.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The fallbacks this test made on purpose are not the kind RunTests fails on. */
    private void forgetFallbacks() {
        try {
            Files.deleteIfExists(base.resolve("fallbacks"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
