package io.strata.core.copyup;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostFile;
import io.strata.core.layerfs.HostFs;
import io.strata.core.layerfs.LayerFile;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCopyTest {
    @TempDir
    Path dir;

    /** A host file seen as a layer file of a non-host filesystem: the copy must go by reads and writes. */
    private record NotHost(HostFile f) implements LayerFile {
        public int read(Pointer buf, long size, long offset) throws FsException { return f.read(buf, size, offset); }
        public int write(Pointer buf, long size, long offset) throws FsException { return f.write(buf, size, offset); }
        public int read(byte[] buf, int size, long offset) throws FsException { return f.read(buf, size, offset); }
        public int write(byte[] buf, int size, long offset) throws FsException { return f.write(buf, size, offset); }
        public Stat stat() throws FsException { return f.stat(); }
        public void truncate(long size) throws FsException { f.truncate(size); }
        public void fsync(boolean dataOnly) throws FsException { f.fsync(dataOnly); }
        public void fallocate(int mode, long offset, long length) throws FsException { f.fallocate(mode, offset, length); }
        public int hostFd() { return -1; }
        public void close() { f.close(); }
    }

    @Test
    void copiesByReadsAndWritesKeepingHolesWhenAFileIsNotOnTheHost() throws Exception {
        Path src = dir.resolve("src");
        try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
            raf.write("head".getBytes());
            raf.seek(6L << 20);
            raf.write("tail".getBytes());
            raf.setLength((9L << 20) + 3);
        }
        Path dst = dir.resolve("dst");
        try (LayerFile in = new NotHost((HostFile) HostFs.INSTANCE.open(src.toString(), Host.O_RDONLY, 0));
             LayerFile out = new NotHost((HostFile) HostFs.INSTANCE.open(dst.toString(), Host.O_WRONLY | Host.O_CREAT, 0600))) {
            DataCopy.copy(in, out, Files.size(src));
        }
        assertEquals(Files.size(src), Files.size(dst));
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(dst));
        assertTrue(Host.lstat(dst.toString()).blocks() * 512 < (3L << 20), "zero chunks stay holes");
    }
}
