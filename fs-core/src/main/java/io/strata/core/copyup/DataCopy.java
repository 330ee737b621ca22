package io.strata.core.copyup;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layerfs.LayerFile;

/**
 * Copies file data for copy-up. Host to host: in the kernel (copy_file_range, holes kept). Otherwise by reads and
 * writes in 1 MiB chunks, where an all-zero chunk is not written (the target was created empty and is extended at
 * the end, so holes stay holes).
 */
final class DataCopy {
    private static final int CHUNK = 1 << 20;

    private DataCopy() {
    }

    static void copy(LayerFile in, LayerFile out, long size) throws FsException {
        if (in.hostFd() >= 0 && out.hostFd() >= 0) {
            Host.copyData(in.hostFd(), out.hostFd(), size);
            return;
        }
        byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(size, 1))];
        long off = 0;
        while (off < size) {
            int want = (int) Math.min(buf.length, size - off);
            int n = in.read(buf, want, off);
            if (n <= 0) break;
            if (!allZero(buf, n)) {
                int done = 0;
                while (done < n) {
                    byte[] part = done == 0 ? buf : java.util.Arrays.copyOfRange(buf, done, n);
                    done += out.write(part, n - done, off + done);
                }
            }
            off += n;
        }
        if (out.stat().size() < size) out.truncate(size);
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) if (b[i] != 0) return false;
        return true;
    }
}
