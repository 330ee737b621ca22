package io.strata.core.usage;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.LayerFs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * containerd's fs.DiskUsage: allocated bytes (st_blocks * 512) and inodes of a tree, each inode counted once, the
 * root included. The walk that {@link UpperUsage}'s counters stand in for, and their fallback when they are lost.
 */
public final class DiskUsage {
    private DiskUsage() {
    }

    public record Usage(long size, long inodes) {
    }

    /** The usage of the tree at root on fs. */
    public static Usage of(LayerFs fs, String root) throws FsException {
        Walk w = new Walk(fs);
        w.tree(root, true);
        return w.usage();
    }

    /** Walks several trees counting every inode once across them; a missing root counts nothing. */
    static final class Walk {
        private final LayerFs fs;
        private final Set<Long> seen = new HashSet<>();
        private long size, inodes;

        Walk(LayerFs fs) {
            this.fs = fs;
        }

        /** Adds the tree at root (the root itself only if withRoot: a work directory counts for its contents). */
        void tree(String root, boolean withRoot) throws FsException {
            Deque<String> todo = new ArrayDeque<>();
            Stat top = fs.lstatOrNull(root);
            if (top == null) return;
            if (withRoot) add(top);
            if (top.isDir()) for (String name : fs.list(root)) todo.push(root + "/" + name);
            while (!todo.isEmpty()) {
                String path = todo.pop();
                Stat st = fs.lstatOrNull(path);
                if (st == null) continue; // removed while walking
                add(st);
                if (st.isDir()) for (String name : fs.list(path)) todo.push(path + "/" + name);
            }
        }

        private void add(Stat st) {
            // one filesystem (the upper and its work directory share it): the inode number names the inode
            if (seen.add(st.ino())) {
                inodes++;
                size += st.blocks() * 512;
            }
        }

        Usage usage() {
            return new Usage(size, inodes);
        }
    }
}
