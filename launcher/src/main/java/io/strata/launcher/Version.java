package io.strata.launcher;

import picocli.CommandLine;

/** Version strings; fuse-overlayfs' {@code --version} shape, which podman parses. */
public final class Version implements CommandLine.IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"strata version " + VERSION, io.strata.fuse.FuseMount.libraryVersionLine()};
    }
}
