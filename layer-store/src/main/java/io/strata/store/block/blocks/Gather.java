package io.strata.store.block.blocks;

import io.strata.core.errno.FsException;
import io.strata.store.block.pages.PageFiles;

/**
 * The preads of one read into one buffer, each merged with the one before it from the same source when both are
 * adjacent in the source and in the buffer: a read that spans units (the kernel's readahead asks for several) reads
 * a run of units from the origin, or of one generation's page file, with one pread instead of one per unit (fewer
 * syscalls, and one larger disk read where the pages are not cached). A page-file run and an origin run are pending at
 * once; a request that does not extend its source's run sends that run first. The bytes land only where each request
 * put them; {@link #flush} sends what is pending (before the buffer is read).
 */
final class Gather {
    private final PageFiles pages;
    private final Origins origins;
    private final byte[] buf;
    private long gen, ino, pagePos;
    private int pageAt, pageLen;
    private String origin;
    private long originPos;
    private int originAt, originLen;

    Gather(PageFiles pages, Origins origins, byte[] buf) {
        this.pages = pages;
        this.origins = origins;
        this.buf = buf;
    }

    /** Bytes [pos, pos+len) of (gen, ino)'s page file into buf at `at`. */
    void page(long gen, long ino, long pos, int at, int len) throws FsException {
        if (pageLen > 0 && gen == this.gen && ino == this.ino && pos == pagePos + pageLen && at == pageAt + pageLen) {
            pageLen += len;
            return;
        }
        flushPage();
        this.gen = gen;
        this.ino = ino;
        pagePos = pos;
        pageAt = at;
        pageLen = len;
    }

    /** Bytes [pos, pos+len) of the origin file into buf at `at`. */
    void origin(String origin, long pos, int at, int len) throws FsException {
        if (originLen > 0 && origin.equals(this.origin) && pos == originPos + originLen && at == originAt + originLen) {
            originLen += len;
            return;
        }
        flushOrigin();
        this.origin = origin;
        originPos = pos;
        originAt = at;
        originLen = len;
    }

    /** Sends the pending runs. */
    void flush() throws FsException {
        flushPage();
        flushOrigin();
    }

    private void flushPage() throws FsException {
        if (pageLen == 0) return;
        int len = pageLen;
        pageLen = 0;
        pages.read(gen, ino, pagePos, buf, pageAt, len);
    }

    private void flushOrigin() throws FsException {
        if (originLen == 0) return;
        int len = originLen;
        originLen = 0;
        origins.pread(origin, originPos, buf, originAt, len);
    }
}
