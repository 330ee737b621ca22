package io.strata.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * fuse-overlayfs' command line, so that Strata can stand in for it: podman's {@code mount_program}
 * ({@code PROG -o lowerdir=...,upperdir=...,workdir=... MNT}) and mount(8)'s helper for {@code fuse.strata-overlay}
 * ({@code PROG SOURCE MNT -o OPTS}). Returns once the mount is live, like fuse-overlayfs; {@code -f} stays.
 * bin/strata-overlay daemonizes itself: it starts this class with {@link #READY_FD} in a new session and returns
 * when told the mount is live (run directly without it, a second JVM serves, see {@link Daemon}).
 */
public final class OverlayMain {
    /**
     * bin/strata-overlay's private flags: serve in this JVM and say "ready" on fd N once the mount is live (the script
     * daemonizes, so one JVM starts per mount, not two); and the run that builds the class-data archive.
     */
    static final String READY_FD = "--ready-fd=", TRAIN = "--train-class-data";

    private OverlayMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        // fuse-overlayfs reads .wh. markers in the upper too (containers-storage mounts an image's top layer, extracted
        // with them, as an upper); an explicit tar_whiteouts= given later wins
        List<String> opts = new ArrayList<>(List.of("tar_whiteouts=all"));
        List<String> positional = new ArrayList<>();
        boolean foreground = false;
        int readyFd = -1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith(READY_FD)) {
                readyFd = Integer.parseInt(a.substring(READY_FD.length()));
                foreground = true;
                continue;
            }
            switch (a) {
                case TRAIN -> {
                    return ClassDataTraining.run();
                }
                case "--version", "-V" -> {
                    System.out.println("strata-overlay: version " + Version.VERSION);
                    System.out.println("fuse-overlayfs compatible command line");
                    System.out.println(io.strata.fuse.FuseMount.libraryVersionLine());
                    return 0;
                }
                case "-h", "--help" -> {
                    System.out.println("usage: strata-overlay [-f] [-d] -o lowerdir=A:B[,upperdir=U,workdir=W] MOUNTPOINT");
                    System.out.println("       strata-overlay SOURCE MOUNTPOINT -o OPTIONS");
                    return 0;
                }
                case "-f" -> foreground = true;
                case "-d", "--debug" -> {
                    foreground = true;
                    opts.add("debug");
                }
                case "-o" -> {
                    if (i + 1 >= args.length) return usage("-o needs a value");
                    opts.add(args[++i]);
                }
                default -> {
                    if (a.startsWith("-o")) opts.add(a.substring(2));
                    else if (a.startsWith("-")) return usage("unknown flag " + a);
                    else positional.add(a);
                }
            }
        }
        if (positional.isEmpty() || positional.size() > 2) return usage("expected [SOURCE] MOUNTPOINT");
        String mnt = positional.get(positional.size() - 1);
        String source = positional.size() == 2 ? positional.get(0) : "strata-overlay";
        try {
            int fd = readyFd;
            return MountCommand.mount(IdmappedLowers.unmapped(opts), Path.of(mnt), foreground, source, fd < 0 ? () -> {
            } : () -> ReadySignal.send(fd));
        } catch (IllegalArgumentException | UserError e) {
            System.err.println("strata-overlay: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("strata-overlay: " + e);
            return 1;
        }
    }

    private static int usage(String why) {
        System.err.println("strata-overlay: " + why);
        System.err.println("usage: strata-overlay [-f] [-d] -o lowerdir=A:B[,upperdir=U,workdir=W] MOUNTPOINT");
        return 1;
    }
}
