package io.strata.launcher.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Finds the native helper {@code strata-nsexec} (launcher/NSEXEC.md). The Maven build compiles it into the jar as
 * {@value #RESOURCE}; a file inside a jar cannot be executed, so it is extracted once to
 * {@code /run/strata/bin/strata-nsexec-<first 12 hex digits of its sha256>} (mode 0755, written under a temporary
 * name and renamed into place, so concurrent launchers never run half a file) and reused from there. The content hash
 * in the name keeps two builds of Strata from running each other's helper.
 */
public final class NsexecBinary {
    static final String RESOURCE = "/native/strata-nsexec";
    public static final Path DIRECTORY = Path.of("/run/strata/bin");
    private static final Set<PosixFilePermission> MODE_0755 = PosixFilePermissions.fromString("rwxr-xr-x");

    private static Path extracted;

    private NsexecBinary() {
    }

    /** The helper's path under /run/strata/bin, extracted on first use. */
    public static synchronized Path path() {
        if (extracted == null || !Files.isExecutable(extracted)) extracted = extractTo(DIRECTORY);
        return extracted;
    }

    /** Extracts the helper into dir (created 0755 when missing) unless that version is there already. */
    static Path extractTo(Path dir) {
        byte[] bytes = resourceBytes();
        Path target = dir.resolve("strata-nsexec-" + sha256Prefix(bytes));
        try {
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length && Files.isExecutable(target)) return target;
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(MODE_0755));
            Path tmp = Files.createTempFile(dir, ".strata-nsexec-", ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.setPosixFilePermissions(tmp, MODE_0755);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract strata-nsexec to " + dir, e);
        }
    }

    private static byte[] resourceBytes() {
        try (InputStream in = NsexecBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(
                    "strata-nsexec is not on the classpath (" + RESOURCE + "): the Maven build compiles it with gcc");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256Prefix(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
