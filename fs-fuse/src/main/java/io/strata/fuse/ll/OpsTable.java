package io.strata.fuse.ll;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.provider.ClosureManager;

import java.util.ArrayList;
import java.util.List;

/**
 * A native struct fuse_lowlevel_ops: one function pointer per slot, the rest NULL (libfuse then answers ENOSYS or
 * does the default). Holds the closures strongly for the session's lifetime: a collected closure is a dangling
 * function pointer.
 */
final class OpsTable {
    private final Runtime runtime;
    private final Pointer table;
    private final List<Object> keep = new ArrayList<>();

    OpsTable(Runtime runtime) {
        this.runtime = runtime;
        this.table = Memory.allocateDirect(runtime, Layout.OPS_SIZE, true);
    }

    <T> OpsTable set(int slot, Class<T> type, T callback) {
        ClosureManager cm = runtime.getClosureManager();
        Pointer fp = cm.getClosurePointer(type, callback);
        keep.add(callback);
        keep.add(fp);
        table.putPointer((long) slot * 8, fp);
        return this;
    }

    Pointer pointer() {
        return table;
    }

    long size() {
        return Layout.OPS_SIZE;
    }
}
