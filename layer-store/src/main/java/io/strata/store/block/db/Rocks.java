package io.strata.store.block.db;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import org.rocksdb.RocksDBException;

/** RocksDB failures as the one error type of Strata: EIO (ENOSPC when the disk is full), with RocksDB's words. */
public final class Rocks {
    private Rocks() {
    }

    public static FsException fail(String what, RocksDBException e) {
        String status = e.getStatus() != null ? e.getStatus().getCodeString() : "";
        Errno errno = e.getMessage() != null && e.getMessage().contains("No space left") ? Errno.ENOSPC : Errno.EIO;
        return new FsException(errno, what + ": " + (status.isEmpty() ? "" : status + ": ") + e.getMessage());
    }
}
