package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/** Origins that are absolute host paths, read through a cache of open read-only channels (the first MAX_OPEN
 *  origins stay open until close; reads of others open and close their own channel). */
public final class HostOrigins implements Origins, AutoCloseable {
    private static final int MAX_OPEN = 128;
    private final ConcurrentHashMap<String, FileChannel> open = new ConcurrentHashMap<>();

    @Override
    public int pread(String origin, long offset, byte[] buf, int off, int len) throws FsException {
        FileChannel cached = open.get(origin);
        if (cached == null && open.size() >= MAX_OPEN) { // the cache is full: this read opens and closes its own
            try (FileChannel ch = openChannel(origin)) {
                return pread(ch, origin, offset, buf, off, len);
            } catch (IOException e) {
                throw new FsException(Errno.EIO, "close origin " + origin + ": " + e.getMessage());
            }
        }
        return pread(cached != null ? cached : channel(origin), origin, offset, buf, off, len);
    }

    private static int pread(FileChannel ch, String origin, long offset, byte[] buf, int off, int len) throws FsException {
        ByteBuffer b = ByteBuffer.wrap(buf, off, len);
        try {
            int total = 0;
            while (b.hasRemaining()) {
                int n = ch.read(b, offset + total);
                if (n < 0) break;
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "read origin " + origin + ": " + e.getMessage());
        }
    }

    private static FileChannel openChannel(String origin) throws FsException {
        try {
            return FileChannel.open(Path.of(origin), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new FsException(Errno.EIO, "origin of a copied-up file is gone: " + origin);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "open origin " + origin + ": " + e.getMessage());
        }
    }

    private FileChannel channel(String origin) throws FsException {
        FileChannel ch = openChannel(origin);
        FileChannel raced = open.putIfAbsent(origin, ch);
        if (raced != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // a read-only channel: nothing lost
            }
            return raced;
        }
        return ch;
    }

    @Override
    public void close() {
        for (String k : open.keySet()) {
            FileChannel ch = open.remove(k);
            try {
                if (ch != null) ch.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }
}
