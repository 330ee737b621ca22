package io.strata.fuse.ll;

import io.strata.core.host.Stat;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * FUSE_HANDLE_KILLPRIV_V2 ({@link InitReply}): the kernel no longer clears suid/sgid itself before a write, a truncate
 * or a chown, but flags the request when they must go (the caller lacks CAP_FSETID, or it is a chown), and the
 * server clears them. libfuse 3.14 passes none of these flags on, so they are read here from the raw request, before
 * libfuse dispatches it on the same thread.
 */
final class KillSuidgid {
    /** fuse_kernel.h: FUSE_WRITE_KILL_SUIDGID (write_flags), FATTR_KILL_SUIDGID (valid), FUSE_OPEN_KILL_SUIDGID (open_flags). */
    static final int WRITE_KILL = 1 << 2, FATTR_KILL = 1 << 11, OPEN_KILL = 1;
    static final int SETATTR = 4, OPEN = 14, WRITE = 16, CREATE = 35;
    /** After the 40-byte fuse_in_header: fuse_setattr_in.valid 0, fuse_open_in.open_flags 4, fuse_write_in.write_flags 20,
     * fuse_create_in.open_flags 12. */
    private static final int IN = 40;

    private KillSuidgid() {
    }

    /** Does the request in mem (opcode from its header) ask the server to clear suid/sgid? */
    static boolean requested(int opcode, Pointer mem) {
        return switch (opcode) {
            case WRITE -> (mem.getInt(IN + 20) & WRITE_KILL) != 0;
            case SETATTR -> (mem.getInt(IN) & FATTR_KILL) != 0;
            case OPEN -> (mem.getInt(IN + 4) & OPEN_KILL) != 0;
            case CREATE -> (mem.getInt(IN + 12) & OPEN_KILL) != 0;
            default -> false;
        };
    }

    /** CAP_FSETID's bit in a capability set. */
    private static final long CAP_FSETID = 1L << 4;

    /** This server's user namespace (the host's), as /proc names it; null if unreadable (then nobody is capable). */
    private static final Path OWN_USER_NS = userNs("self");

    /**
     * Has the process CAP_FSETID as the kernel's capable() means it: in its effective set (CapEff: of /proc/PID/status)
     * and in the host's user namespace, this server's (a container's root has it only in its own namespace)? False
     * when it cannot be read: the bits then go, as for a caller without it.
     */
    static boolean hasFsetid(int pid) {
        if (OWN_USER_NS == null || !OWN_USER_NS.equals(userNs(Integer.toString(pid)))) return false;
        String capEff = statusField(pid, "CapEff:");
        try {
            return capEff != null && (Long.parseUnsignedLong(capEff, 16) & CAP_FSETID) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A process's supplementary groups (the Groups: line of /proc/PID/status); empty when it cannot be read. */
    static Set<Integer> supplementaryGroups(int pid) {
        String line = statusField(pid, "Groups:");
        if (line == null) return Set.of(); // the caller is gone: no group
        Set<Integer> groups = new HashSet<>();
        try {
            for (String g : line.split("\\s+")) if (!g.isEmpty()) groups.add(Integer.parseInt(g));
        } catch (NumberFormatException e) {
            return Set.of();
        }
        return groups;
    }

    /** The value of one line of /proc/PID/status (after its name, trimmed), or null when it cannot be read. */
    private static String statusField(int pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(name)) return line.substring(name.length()).trim();
            }
        } catch (IOException | RuntimeException e) {
            // the caller is gone
        }
        return null;
    }

    private static Path userNs(String pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/user"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
