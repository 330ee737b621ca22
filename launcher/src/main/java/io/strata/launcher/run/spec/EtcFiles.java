package io.strata.launcher.run.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * /etc/hostname, /etc/hosts and /etc/resolv.conf of a container, written into its runtime dir and bound over the
 * rootfs' own (as docker does): the image's files stay as they are in its layers. With --net host, hosts and
 * resolv.conf are the host's; in a private network namespace (only lo) the hostname resolves to 127.0.1.1 and
 * nameservers on the host's loopback (a local resolver the container cannot reach) are left out.
 */
public final class EtcFiles {
    private EtcFiles() {
    }

    public static void write(Path runDir, String hostname, RunOptions.Network net, Path hostEtc) throws IOException {
        put(runDir.resolve("hostname"), hostname + "\n");
        String hosts;
        if (net == RunOptions.Network.HOST && Files.isReadable(hostEtc.resolve("hosts"))) hosts = Files.readString(hostEtc.resolve("hosts"));
        else hosts = "127.0.0.1\tlocalhost\n127.0.1.1\t" + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
        put(runDir.resolve("hosts"), hosts);
        put(runDir.resolve("resolv.conf"), resolvConf(hostEtc.resolve("resolv.conf"), net));
    }

    static String resolvConf(Path host, RunOptions.Network net) throws IOException {
        if (!Files.isReadable(host)) return "";
        List<String> lines = Files.readAllLines(host);
        if (net == RunOptions.Network.HOST) return String.join("\n", lines) + "\n";
        List<String> kept = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver") && (f[1].startsWith("127.") || f[1].equals("::1"))) continue;
            kept.add(l);
        }
        return kept.isEmpty() ? "" : String.join("\n", kept) + "\n";
    }

    /** Written whole and readable by any uid (a --userns container's root is an unprivileged host uid). */
    private static void put(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
