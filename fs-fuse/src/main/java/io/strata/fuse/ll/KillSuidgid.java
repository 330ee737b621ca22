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

    /**
     * Has the process CAP_FSETID as the kernel's capable() means it: in its effective set (CapEff: of /proc/PID/status)
     * and in the host's user namespace, this server's (a container's root has it only in its own namespace)? False
     * when it cannot be read: the bits then go, as for a caller without it.
     */
    static boolean hasFsetid(int pid) {
        try {
            Path proc = Path.of("/proc/" + pid);
            if (!Files.readSymbolicLink(proc.resolve("ns/user")).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")))) {
                return false;
            }
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("CapEff:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & CAP_FSETID) != 0;
            }
        } catch (IOException | RuntimeException e) {
            // the caller is gone
        }
        return false;
    }

    /** A process's supplementary groups (the Groups: line of /proc/PID/status); empty when it cannot be read. */
    static Set<Integer> supplementaryGroups(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (!line.startsWith("Groups:")) continue;
                Set<Integer> groups = new HashSet<>();
                for (String g : line.substring(7).trim().split("\\s+")) if (!g.isEmpty()) groups.add(Integer.parseInt(g));
                return groups;
            }
        } catch (IOException | RuntimeException e) {
            // the caller is gone: no group
        }
        return Set.of();
    }
}
