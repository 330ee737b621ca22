package io.strata.store.block.layer;

import io.strata.store.block.snapshot.Chain;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A container's writable head as the running store sees it: the chain its layer reads and writes, and the lock
 * that orders its changes. A snapshot taken while the container runs swaps the chain under that lock, so every
 * change lands wholly before or wholly after the snapshot.
 */
public final class Head {
    public final String container;
    public final long rootIno;
    public final ReentrantLock lock = new ReentrantLock();
    private volatile Chain chain;
    private int writers;
    /** The head generation may hold changes (unknown after an open: assumed so). */
    private volatile boolean changed = true;

    public Head(String container, long rootIno, Chain chain) {
        this.container = container;
        this.rootIno = rootIno;
        this.chain = chain.cached();
    }

    public Chain chain() {
        return chain;
    }

    /** Caller holds lock. */
    public void chain(Chain c) {
        chain = c.cached();
    }

    public boolean changed() {
        return changed;
    }

    /** Caller holds lock. */
    public void changed(boolean c) {
        changed = c;
    }

    public synchronized int writers() {
        return writers;
    }

    public synchronized void addWriter(int delta) {
        writers += delta;
    }
}
