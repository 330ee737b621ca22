package io.strata.launcher.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The helper built by Maven is on the classpath and is extracted once, by content, executable. */
class NsexecBinaryTest {
    @TempDir
    Path dir;

    @Test
    void extractsOnceUnderItsContentHashAndRuns() throws Exception {
        Path bin = dir.resolve("bin");
        Path first = NsexecBinary.extractTo(bin);
        assertTrue(first.getFileName().toString().matches("strata-nsexec-[0-9a-f]{12}"), first.toString());
        assertEquals(NsexecBinary.sha256Prefix(Files.readAllBytes(first)), first.getFileName().toString().substring(14));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(first)));
        Object inode = Files.getAttribute(first, "unix:ino");
        Path again = NsexecBinary.extractTo(bin);
        assertEquals(first, again);
        assertEquals(inode, Files.getAttribute(again, "unix:ino"), "reused, not written again");
        try (var files = Files.list(bin)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        Process p = new ProcessBuilder(first.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        assertTrue(out.startsWith("strata-nsexec version "), out);
    }

    @Test
    void aDamagedCopyIsReplaced() throws Exception {
        Path first = NsexecBinary.extractTo(dir);
        Files.writeString(first, "truncated");
        Path again = NsexecBinary.extractTo(dir);
        assertEquals(first, again);
        assertEquals(NsexecBinary.sha256Prefix(Files.readAllBytes(again)), again.getFileName().toString().substring(14));
    }

    @Test
    void aBadCommandLineIs125() throws Exception {
        Path helper = NsexecBinary.extractTo(dir);
        for (String[] args : new String[][] {{}, {"frobnicate"}, {"run"}, {"run", "--bundle"}, {"exec", "--pid", "1"},
                {"run", "--bundle", "/x", "--detach"}}) {
            String[] cmd = new String[args.length + 1];
            cmd[0] = helper.toString();
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).start();
            String err = new String(p.getErrorStream().readAllBytes());
            assertEquals(125, p.waitFor(), String.join(" ", args));
            assertTrue(err.startsWith("strata-nsexec: "), err);
            assertEquals(1, err.lines().count(), "one line: " + err);
        }
    }
}
