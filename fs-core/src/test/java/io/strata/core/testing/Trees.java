package io.strata.core.testing;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.xattr.OverlayXattrs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds layer trees on disk for tests: files, dirs, links, and overlay/OCI markers, in a few readable calls. */
public final class Trees {
    private final Path root;

    private Trees(Path root) {
        this.root = root;
    }

    public static Trees at(Path root) {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Trees(root);
    }

    public Path root() {
        return root;
    }

    public Path path(String rel) {
        return root.resolve(rel);
    }

    public Trees file(String rel, String content) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Trees dir(String rel) {
        try {
            Files.createDirectories(root.resolve(rel));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Trees symlink(String rel, String target) {
        try {
            Path p = root.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kernel overlayfs whiteout: a character device 0/0. */
    public Trees whiteout(String rel) {
        return fsDo(() -> {
            Files.createDirectories(root.resolve(rel).getParent());
            Host.mknod(root.resolve(rel).toString(), Stat.S_IFCHR, 0);
        });
    }

    /** OCI tar-form whiteout: an empty file named .wh.NAME next to NAME. */
    public Trees ociWhiteout(String rel) {
        Path p = root.resolve(rel);
        return file(root.relativize(p.getParent().resolve(".wh." + p.getFileName())).toString(), "");
    }

    public Trees opaque(String rel) {
        dir(rel);
        return fsDo(() -> Host.setxattr(root.resolve(rel).toString(), OverlayXattrs.OPAQUE, OverlayXattrs.YES, 0));
    }

    public Trees ociOpaque(String rel) {
        return file(rel + "/.wh..wh..opq", "");
    }

    public Trees xattr(String rel, String name, String value) {
        return fsDo(() -> Host.setxattr(root.resolve(rel).toString(), name, value.getBytes(StandardCharsets.UTF_8), 0));
    }

    public Trees mode(String rel, int mode) {
        return fsDo(() -> Host.chmod(root.resolve(rel).toString(), mode));
    }

    public Trees owner(String rel, int uid, int gid) {
        return fsDo(() -> Host.lchown(root.resolve(rel).toString(), uid, gid));
    }

    public Trees mtime(String rel, long sec) {
        return fsDo(() -> Host.utimens(root.resolve(rel).toString(), sec, 0, sec, 0));
    }

    public Trees hardlink(String rel, String existing) {
        return fsDo(() -> {
            Files.createDirectories(root.resolve(rel).getParent());
            Host.link(root.resolve(existing).toString(), root.resolve(rel).toString());
        });
    }

    public Trees fifo(String rel) {
        return fsDo(() -> Host.mknod(root.resolve(rel).toString(), Stat.S_IFIFO | 0644, 0));
    }

    interface FsAction {
        void run() throws FsException, IOException;
    }

    private Trees fsDo(FsAction a) {
        try {
            a.run();
            return this;
        } catch (FsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
