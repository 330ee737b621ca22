package io.strata.launcher.container;

import io.strata.launcher.UnionMounts;
import io.strata.launcher.image.ImageStoreCommand;
import io.strata.store.container.ContainerRecord;
import io.strata.store.container.ContainerStore;
import io.strata.store.oci.ImageStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * {@code strata container create|ls|mount|diff|commit|rm}: containers whose writable layer is an overlay-format upper
 * directory in the image store (the block store's own containers are {@code strata create|ps|diff|rm}).
 */
@Command(name = "container", mixinStandardHelpOptions = true, versionProvider = io.strata.launcher.Version.class,
        scope = CommandLine.ScopeType.INHERIT, description = "Containers on images with an overlay-format upper dir: create, ls, mount, diff, commit, rm.",
        subcommands = {CreateCommand.class, ContainerCommand.Ls.class, ContainerCommand.Mount.class, DiffCommand.class,
                CommitCommand.class, ContainerCommand.Rm.class, CommandLine.HelpCommand.class})
public final class ContainerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "ls", description = "List containers.")
    static final class Ls extends ImageStoreCommand {
        @Override
        protected int run() {
            ContainerStore cs = new ContainerStore(store());
            System.out.printf("%-24s %-12s %-22s %s%n", "NAME", "IMAGE", "CREATED", "MOUNTED AT");
            for (ContainerRecord c : cs.list()) {
                String at = cs.mountedAt(c.name());
                System.out.printf("%-24s %-12s %-22s %s%n", c.name(), c.image().substring(0, 12), c.created(), at == null ? "-" : at);
            }
            return 0;
        }
    }

    @Command(name = "mount", description = "Mount a container's writable union (strata umount MOUNTPOINT to unmount).")
    static final class Mount extends ImageStoreCommand {
        @Parameters(index = "0", paramLabel = "C")
        String name;

        @Parameters(index = "1", paramLabel = "MOUNTPOINT")
        Path mountPoint;

        @Option(names = "-f", description = "Stay in the foreground.")
        boolean foreground;

        @Override
        protected int run() throws Exception {
            ImageStore images = store();
            ContainerStore cs = new ContainerStore(images);
            ContainerRecord c = cs.find(name);
            cs.requireUnmounted(c);
            cs.recordMount(c, mountPoint);
            return UnionMounts.mountReadWrite(images.lowerDirsTopFirst(images.find(c.image())), cs.upper(c), cs.work(c),
                    mountPoint, foreground, ContainerStore.mountSource(c.name()));
        }
    }

    @Command(name = "rm", description = "Remove a container and its changes.")
    static final class Rm extends ImageStoreCommand {
        @Parameters(index = "0", paramLabel = "C")
        String name;

        @Override
        protected int run() {
            new ContainerStore(store()).remove(name);
            System.out.println("removed " + name);
            return 0;
        }
    }
}
