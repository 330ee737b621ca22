package io.strata.fuse;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** FUSE file-handle numbers ↔ the objects they stand for (open files, open directories). */
final class Handles<T> {
    private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(1);

    long add(T t) {
        long fh = next.getAndIncrement();
        open.put(fh, t);
        return fh;
    }

    T get(long fh) {
        return open.get(fh);
    }

    T remove(long fh) {
        return open.remove(fh);
    }

    int size() {
        return open.size();
    }
}
