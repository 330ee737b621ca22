package io.strata.launcher.snapshotter;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * containerd's fs.DiskUsage: allocated bytes (st_blocks * 512) and inodes of a tree, each inode counted once,
 * the root included. Run once per snapshot, when it is committed.
 */
final class DiskUsage {
    private DiskUsage() {
    }

    record Usage(long size, long inodes) {
    }

    static Usage of(String root) {
        Set<String> seen = new HashSet<>();
        long size = 0, inodes = 0;
        Deque<String> todo = new ArrayDeque<>();
        todo.push(root);
        try {
            while (!todo.isEmpty()) {
                String path = todo.pop();
                Stat st = Host.lstat(path);
                if (seen.add(st.dev() + ":" + st.ino())) {
                    inodes++;
                    size += st.blocks() * 512;
                }
                if ((st.mode() & 0170000) == 0040000) {
                    for (String name : Host.list(path)) todo.push(path + "/" + name);
                }
            }
        } catch (FsException e) {
            throw new IllegalStateException("usage of " + root + ": " + e.getMessage(), e);
        }
        return new Usage(size, inodes);
    }
}
