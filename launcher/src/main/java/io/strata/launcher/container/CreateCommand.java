package io.strata.launcher.container;

import io.strata.launcher.image.ImageStoreCommand;
import io.strata.store.container.ContainerRecord;
import io.strata.store.container.ContainerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata container create --name C IMAGE}: a container (an overlay-format upper directory) on an image. */
@Command(name = "create", description = "Create a container on an image (mount it with: strata container mount C MNT).")
public final class CreateCommand extends ImageStoreCommand {
    @Option(names = "--name", required = true, paramLabel = "C", description = "The container's name.")
    String name;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    String image;

    @Override
    protected int run() {
        ContainerRecord c = new ContainerStore(store()).create(name, image);
        System.out.println(c.name() + " on sha256:" + c.image());
        return 0;
    }
}
