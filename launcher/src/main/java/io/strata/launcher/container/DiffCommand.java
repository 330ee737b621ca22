package io.strata.launcher.container;

import io.strata.launcher.image.ImageStoreCommand;
import io.strata.store.container.ContainerDiff;
import io.strata.store.container.ContainerStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code strata container diff C}: A (added), C (changed), D (deleted) lines. */
@Command(name = "diff", description = "List what a container changed: A added, C changed, D deleted.")
public final class DiffCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "C", description = "Container name.")
    String name;

    @Override
    protected int run() {
        ContainerDiff.of(new ContainerStore(store()), name).forEach(System.out::println);
        return 0;
    }
}
