package io.strata.launcher.image;

import io.strata.launcher.UserError;
import io.strata.store.StoreException;
import io.strata.store.oci.ImageStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** A command on the image store (images, containers on them): {@code --store DIR} (else $STRATA_STORE, else /var/lib/strata); store errors exit 2. */
public abstract class ImageStoreCommand implements Callable<Integer> {
    @Option(names = "--store", paramLabel = "DIR", description = "The store (default: $STRATA_STORE, else /var/lib/strata).")
    Path storeDir;

    protected ImageStore store() {
        return new ImageStore(ImageStore.rootFrom(storeDir));
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } catch (StoreException e) {
            throw new UserError(e.getMessage());
        }
    }

    protected abstract int run() throws Exception;
}
