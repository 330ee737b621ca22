package io.strata.store.block;

import io.strata.core.host.Host;
import io.strata.store.block.layer.BlockLayer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writeback of page files while they are written (as RocksDB's bytes_per_sync): a synced batch (a snapshot) right
 * after a large write has to flush only what was written since the last kick. Observed with the kernel's own count of
 * a file's dirty pages (cachestat(2), Linux 6.5+; skipped where it is missing), on a real store and page file.
 */
class WritebackTest {
    private static final int MIB = 1 << 20, PAGE = 4096;

    /** libc's syscall(2), for cachestat (no libc wrapper yet). */
    public interface Sys {
        long syscall(long number, long fd, Pointer range, Pointer cstat, long flags);
    }

    private static final Sys SYS = LibraryLoader.create(Sys.class).load("c");
    private static final long CACHESTAT = 451; // x86_64 and aarch64 alike (the unified syscall table)

    /** The file's dirty pages (neither clean nor under writeback), or -1 when the kernel has no cachestat. */
    private static long dirtyPages(Path file) throws Exception {
        Runtime rt = Runtime.getRuntime(SYS);
        Pointer range = Memory.allocateDirect(rt, 16, true); // {off 0, len 0}: the whole file
        Pointer stat = Memory.allocateDirect(rt, 40, true); // nr_cache, nr_dirty, nr_writeback, nr_evicted, ...
        int fd = Host.open(file.toString(), Host.O_RDONLY, 0);
        try {
            if (SYS.syscall(CACHESTAT, fd, range, stat, 0) != 0) return -1;
            return stat.getLong(8);
        } finally {
            Host.close(fd);
        }
    }

    @Test
    void aFileBeingWrittenKeepsAtMost4MibDirty() throws Exception {
        Path dir = TempDirs.create("writeback");
        try (BlockStore s = PageFilesTest.open(dir.resolve("db"), 0)) {
            Assumptions.assumeFalse(Files.getFileStore(dir).type().equals("tmpfs"), "tmpfs has no writeback");
            s.createContainer("c", "");
            long gen = s.container("c").head();
            byte[] data = new byte[6 * MIB]; // one kick, at 4 MiB
            new Random(4).nextBytes(data);
            try (BlockLayer l = s.openLayer("c")) {
                long f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0).ino();
                for (int at = 0; at < data.length; at += 128 * 1024) l.write(f, at, data, at, 128 * 1024);
                long dirty = dirtyPages(s.db().pages().file(gen, f));
                Assumptions.assumeTrue(dirty >= 0, "no cachestat(2) in this kernel");
                // 6 MiB written, no fsync: what came before the kick is under writeback (or written) already
                assertTrue(dirty * PAGE <= 4 * MIB, "dirty bytes of the page file after a 6 MiB write: " + dirty * PAGE);
                s.createSnapshot("c", "s"); // a synced batch: nothing is left dirty
                assertEquals(0, dirtyPages(s.db().pages().file(gen, f)), "dirty pages after the snapshot");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
