package io.strata.launcher.container;

import io.strata.launcher.image.ImageStoreCommand;
import io.strata.store.container.ContainerCommit;
import io.strata.store.container.ContainerStore;
import io.strata.store.oci.ImageRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata container commit C NAME[:TAG]}: the container's changes as a new layer of a new image. */
@Command(name = "commit", description = "Make a new image: the container's image plus its changes as one OCI layer.")
public final class CommitCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "C", description = "Container name (not mounted).")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME[:TAG]", description = "Name of the new image.")
    String ref;

    @Option(names = {"-m", "--message"}, description = "Comment for the history entry.")
    String message;

    @Override
    protected int run() {
        ImageRecord r = ContainerCommit.commit(new ContainerStore(store()), name, ref, message);
        System.out.println("sha256:" + r.id() + (r.names().isEmpty() ? "" : " " + r.names().get(0)));
        return 0;
    }
}
