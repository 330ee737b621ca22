package io.strata.launcher;

import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.fuse.MountTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code strata demo}: builds a small two-layer union, mounts it with Strata exactly as a user would (a background
 * server), shows copy-up, a whiteout, an opaque directory and the upper dir they leave, then proves the format by
 * mounting the same upper with the kernel's overlayfs, and cleans up.
 */
@Command(name = "demo", description = "Show Strata at work on a small union it builds itself.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "Keep the demo directory (default: removed).")
    boolean keep;

    private Path base;

    @Override
    public Integer call() throws Exception {
        base = Files.createTempDirectory("strata-demo-");
        Path lower2 = dir("lower2"), lower1 = dir("lower1"), upper = dir("upper"), work = dir("work"), merged = dir("merged");
        write(lower2.resolve("etc/os-release"), "NAME=\"Base layer\"\n");
        write(lower2.resolve("etc/hostname"), "base\n");
        write(lower2.resolve("var/cache/old.db"), "stale cache\n");
        write(lower2.resolve("var/log/boot.log"), "boot ok\n");
        write(lower1.resolve("etc/motd"), "Welcome (from layer 1)\n");
        write(lower1.resolve("app/run.sh"), "#!/bin/sh\necho hello from the app\n");
        Files.createDirectories(lower1.resolve("var/cache"));
        Host.mknod(lower1.resolve("etc/hostname").toString(), Stat.S_IFCHR, 0); // layer 1 deleted etc/hostname

        String opts = "lowerdir=" + lower1 + ":" + lower2 + ",upperdir=" + upper + ",workdir=" + work;
        step("1. mount: strata mount -o " + opts + " " + merged);
        int rc = MountCommand.mount(List.of(opts), merged, false, "strata-demo");
        if (rc != 0) return rc;
        try {
            step("merged view (layer 1 over layer 2; etc/hostname is whited out by layer 1)");
            tree(merged);

            step("2. copy-up: append a line to etc/os-release (a lower file)");
            Files.writeString(merged.resolve("etc/os-release"), "VERSION=\"changed in the container\"\n",
                    StandardOpenOption.APPEND);
            System.out.print("   merged: " + Files.readString(merged.resolve("etc/os-release")).replace("\n", "\n           "));
            System.out.println("\n   lower 2 still: " + Files.readString(lower2.resolve("etc/os-release")).trim());

            step("3. whiteout: rm var/log/boot.log (lives in layer 2)");
            Files.delete(merged.resolve("var/log/boot.log"));
            Stat wh = Host.lstat(upper.resolve("var/log/boot.log").toString());
            System.out.printf("   upper/var/log/boot.log is a character device %d/%d (overlayfs whiteout)%n",
                    Stat.major(wh.rdev()), Stat.minor(wh.rdev()));

            step("4. opaque directory: rm -r var/cache, then mkdir var/cache again");
            Files.delete(merged.resolve("var/cache/old.db"));
            Files.delete(merged.resolve("var/cache"));
            Files.createDirectory(merged.resolve("var/cache"));
            byte[] opaque = Host.getxattr(upper.resolve("var/cache").toString(), OverlayXattrs.OPAQUE);
            System.out.println("   upper/var/cache has trusted.overlay.opaque=" + (opaque == null ? "(none)" : new String(opaque)));
            System.out.println("   merged var/cache is empty: " + list(merged.resolve("var/cache")).isEmpty());

            step("5. the upper directory Strata wrote (kernel overlayfs format)");
            tree(upper);
        } finally {
            step("6. strata umount " + merged);
            MountTable.unmount(merged, false);
            if (!MountTable.awaitUnmounted(merged, 10_000)) MountTable.unmount(merged, true);
        }

        step("7. the kernel's overlayfs mounts the same upper and sees the same tree");
        int k = run(List.of("mount", "-t", "overlay", "overlay", "-o", opts, merged.toString()));
        if (k == 0) {
            try {
                tree(merged);
            } finally {
                run(List.of("umount", merged.toString()));
            }
        } else {
            System.out.println("   (kernel overlayfs not available here: skipped)");
        }
        int image = imageDemo();
        if (!keep) run(List.of("rm", "-rf", base.toString()));
        else System.out.println("\nkept " + base);
        return 0;
    }

    /**
     * Part two: the bundled 3-layer test image (built here from Debian's busybox-static, as a `docker save` archive),
     * imported into a store, inspected, run as a block-store container: copy-up by reference, a snapshot of the
     * running container, diff, df; then run in namespaces and cgroups (strata run), its changes committed as an image;
     * each step is the CLI command a user types.
     */
    private int imageDemo() throws Exception {
        Path store = dir("store"), archive = base.resolve("three-layers.docker.tar"), mnt = dir("container");
        io.strata.testimages.ImageFormat.DOCKER_ARCHIVE.write(io.strata.testimages.TestImages.threeLayers(), archive);
        String s = "--store=" + store;
        int rc = cli("image", "import", archive.toString(), s);
        if (rc == 0) rc = cli("image", "ls", s);
        if (rc == 0) cli("image", "which", "strata-test/three-layers:1", "/etc/motd", "/etc/hostname", "/var/cache/old.db", s);
        if (rc == 0) rc = cli("create", "--name", "demo", "strata-test/three-layers:1", s);
        if (rc != 0) return rc;
        try {
            rc = cli("mount", "demo", mnt.toString(), s);
            if (rc != 0) return rc;
            try {
                step("in the container: ls /, cat /etc/motd, and busybox runs from the image");
                System.out.println("   " + list(mnt));
                System.out.print("   /etc/motd: " + Files.readString(mnt.resolve("etc/motd")));
                run(List.of(mnt.resolve("bin/busybox").toString(), "echo", "   busybox from the image says hello"));
                step("copy-up by reference: write 1 byte into /bin/busybox (the store keeps one 4 KiB page, not a copy)");
                try (var f = new java.io.RandomAccessFile(mnt.resolve("bin/busybox").toFile(), "rw")) {
                    f.seek(f.length() - 1);
                    int last = f.read();
                    f.seek(f.length() - 1);
                    f.write(last);
                }
                Files.writeString(mnt.resolve("etc/motd"), "changed in the container\n");
                Files.delete(mnt.resolve("etc/issue"));
                cli("df", s);
                cli("snapshot", "create", "demo", "before-more", s);
                Files.writeString(mnt.resolve("srv.txt"), "written after the snapshot\n");
                cli("diff", "demo", s);
                cli("snapshot", "ls", "demo", s);
            } finally {
                cli("umount", mnt.toString());
            }
            // the launcher: the image in its own namespaces and cgroup, on the Strata mount
            rc = cli("run", "--rm", "--memory", "64m", "--pids-limit", "64", s, "strata-test/three-layers:1",
                    "/bin/sh", "-c", "echo \"   pid $$ on $(hostname), $(ls /proc | grep -c '^[0-9]') process(es) in sight\"; "
                            + "echo \"   /etc/motd: $(cat /etc/motd)\"");
            if (rc == 0) rc = cli("run", s, "demo", "/bin/sh", "-c",
                    "echo \"   the container's own layer: $(cat /etc/motd)\"; exit 3");
            if (rc != 3) return rc == 0 ? 1 : rc;
            System.out.println("   (exit status 3 came back from the container)");
            rc = cli("commit", "demo", "demo:2", "-m", "changes made in the demo", s);
            if (rc == 0) rc = cli("image", "ls", s);
            return rc;
        } finally {
            cli("daemon", "stop", s);
        }
    }

    /** One CLI command, shown and run as the user would type it. */
    private static int cli(String... args) {
        step("strata " + String.join(" ", args).replaceAll(" --store=\\S+", ""));
        return Main.run(args);
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(base.resolve(name));
    }

    private static void write(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    private static void step(String s) {
        System.out.println("\n== " + s);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void tree(Path root) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).sorted().forEach(all::add);
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            try {
                Stat st = Host.lstat(p.toString());
                String kind = st.isDir() ? "dir " : st.isCharDevice() ? "chr " + Stat.major(st.rdev()) + "/" + Stat.minor(st.rdev())
                        : st.isSymlink() ? "link" : "file";
                String extra = st.isRegular() ? "  \"" + Files.readString(p).strip().replace("\n", " | ") + "\"" : "";
                System.out.printf("   %-8s %s%s%n", kind, rel + (st.isDir() ? "/" : ""), extra);
            } catch (Exception e) {
                System.out.printf("   ?        %s (%s)%n", rel, e.getMessage());
            }
        }
    }

    private static int run(List<String> cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
