package io.strata.fuse;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** FUSE file-handle numbers ↔ the objects they stand for (open files, open directories). */
public final class Handles<T> {
    private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(1);

    public long add(T t) {
        long fh = next.getAndIncrement();
        open.put(fh, t);
        return fh;
    }

    public T get(long fh) {
        return open.get(fh);
    }

    public T remove(long fh) {
        return open.remove(fh);
    }

    public int size() {
        return open.size();
    }
}
