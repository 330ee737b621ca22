package io.strata.fuse.ll;

import io.strata.core.host.Host;
import io.strata.core.host.LibC;
import jnr.ffi.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * FUSE_INIT's reply, amended with what libfuse 3.14 does not know. libfuse answers INIT with the capabilities of its
 * own time; two that Strata uses are newer flags of fuse_init_out:
 * <ul>
 * <li>HANDLE_KILLPRIV_V2: the server clears suid/sgid on write, truncate and chown when the kernel says so in the
 * request ({@link KillSuidgid}). The kernel then marks the super block SB_NOSEC, so it stops asking for
 * security.capability before every write (a GETXATTR round trip per write(2) call), and sends no GETATTR before a
 * chown to recompute the mode itself.</li>
 * <li>PASSTHROUGH (with max_stack_depth): see {@link Passthrough}. Not with HANDLE_KILLPRIV_V2: the kernel writes
 * passthrough files itself, so it must keep clearing suid/sgid itself.</li>
 * </ul>
 * The reply is caught by pointing the session's /dev/fuse descriptor at a pipe while libfuse processes the request,
 * amended, and written to /dev/fuse. Call with no other thread reading /dev/fuse.
 */
final class InitReply {
    /** fuse_kernel.h: FUSE_HANDLE_KILLPRIV_V2 and FUSE_INIT_EXT in flags; FUSE_PASSTHROUGH (bit 37) is bit 5 of flags2. */
    static final int HANDLE_KILLPRIV_V2 = 1 << 28, INIT_EXT = 1 << 30, FLAGS2_PASSTHROUGH = 1 << 5;
    /** fuse_init_in after the 40-byte fuse_in_header: flags at 12, flags2 at 16. */
    static final int IN_HEADER = 40, INIT_IN_FLAGS = 12, INIT_IN_FLAGS2 = 16;
    /** fuse_init_out after the 16-byte fuse_out_header. */
    static final int OUT_HEADER = 16, INIT_OUT_FLAGS = 12, INIT_OUT_FLAGS2 = 32, INIT_OUT_MAX_STACK_DEPTH = 36;

    private static final LibC SYS = Host.libc();

    /** What the kernel and this server agreed on beyond libfuse's reply; refusal says why passthrough is not on. */
    record Agreed(boolean killprivV2, boolean passthrough, String refusal) {
    }

    private InitReply() {
    }

    /** Serves FUSE_INIT (in fbuf, received into mem), asking for what is wanted and offered. */
    static Agreed serve(LibFuse3 lib, Pointer se, Pointer fbuf, Pointer mem, boolean wantKillpriv, boolean wantPassthrough) {
        int inFlags = mem.getInt(IN_HEADER + INIT_IN_FLAGS);
        int inFlags2 = mem.getInt(IN_HEADER + INIT_IN_FLAGS2);
        boolean passthrough = wantPassthrough && (inFlags & INIT_EXT) != 0 && (inFlags2 & FLAGS2_PASSTHROUGH) != 0;
        // passthrough writes never reach this server, so it could not clear suid/sgid for them: the kernel keeps that
        boolean killpriv = wantKillpriv && !passthrough && (inFlags & HANDLE_KILLPRIV_V2) != 0;
        String refusal = wantPassthrough && !passthrough
                ? "the kernel does not offer FUSE passthrough (CONFIG_FUSE_PASSTHROUGH, Linux 6.9+)" : null;
        if (!killpriv && !passthrough) {
            lib.fuse_session_process_buf(se, fbuf);
            return new Agreed(false, false, refusal);
        }
        int devFd = lib.fuse_session_fd(se);
        byte[] reply = new byte[4096];
        long n = caught(lib, se, fbuf, devFd, reply);
        ByteBuffer b = ByteBuffer.wrap(reply, 0, (int) Math.max(n, 0)).order(ByteOrder.nativeOrder());
        boolean ok = n >= OUT_HEADER + INIT_OUT_MAX_STACK_DEPTH + 4 && b.getInt(0) == n && b.getInt(4) == 0;
        if (ok) {
            int flags = b.getInt(OUT_HEADER + INIT_OUT_FLAGS);
            if (killpriv) flags |= HANDLE_KILLPRIV_V2;
            if (passthrough) {
                flags |= INIT_EXT;
                b.putInt(OUT_HEADER + INIT_OUT_FLAGS2, b.getInt(OUT_HEADER + INIT_OUT_FLAGS2) | FLAGS2_PASSTHROUGH);
                b.putInt(OUT_HEADER + INIT_OUT_MAX_STACK_DEPTH, 1); // host layers on ordinary file systems
            }
            b.putInt(OUT_HEADER + INIT_OUT_FLAGS, flags);
        } else {
            if (passthrough) refusal = "libfuse's FUSE_INIT reply was not understood (" + n + " bytes)";
            killpriv = passthrough = false;
        }
        if (SYS.write(devFd, reply, Math.max(n, 0)) != n) throw new IllegalStateException("FUSE_INIT reply not sent");
        return new Agreed(killpriv, passthrough, refusal);
    }

    /** Has libfuse process the request with devFd pointing at a pipe; returns the reply's length (into reply). */
    private static long caught(LibFuse3 lib, Pointer se, Pointer fbuf, int devFd, byte[] reply) {
        int[] pipe = new int[2];
        int saved = SYS.dup(devFd);
        if (saved < 0 || SYS.pipe(pipe) != 0) throw new IllegalStateException("FUSE_INIT: dup/pipe failed");
        try {
            if (SYS.dup2(pipe[1], devFd) < 0) throw new IllegalStateException("FUSE_INIT: dup2 failed");
            try {
                lib.fuse_session_process_buf(se, fbuf); // libfuse writes its INIT reply into the pipe
            } finally {
                if (SYS.dup2(saved, devFd) < 0) throw new IllegalStateException("FUSE_INIT: dup2 back failed");
            }
            SYS.close(pipe[1]);
            pipe[1] = -1;
            return SYS.read(pipe[0], reply, reply.length);
        } finally {
            SYS.close(saved);
            SYS.close(pipe[0]);
            if (pipe[1] >= 0) SYS.close(pipe[1]);
        }
    }
}
