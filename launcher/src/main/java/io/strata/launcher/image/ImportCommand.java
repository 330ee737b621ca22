package io.strata.launcher.image;

import io.strata.store.oci.ImageImporter;
import io.strata.store.oci.ImageRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code strata image import PATH [--name NAME[:TAG]]}. */
@Command(name = "import", description = "Import an OCI image layout dir, an oci-archive tar or a docker-save tar.")
final class ImportCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "PATH", description = "OCI layout directory, oci-archive or docker-save tar.")
    Path source;

    @Option(names = "--name", paramLabel = "NAME[:TAG]", description = "Name the image (default: the name the image carries).")
    String name;

    @Option(names = "--allow-devices", description = "Let layers create device nodes (refused by default).")
    boolean allowDevices;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image id.")
    boolean quiet;

    @Override
    protected int run() {
        ImportProgress progress = quiet ? null : new ImportProgress(System.err, System.console() != null);
        ImageRecord r = ImageImporter.run(store(), source, name, allowDevices, progress == null ? ImageImporter.Progress.NONE : progress);
        if (quiet) {
            System.out.println("sha256:" + r.id());
        } else {
            progress.finish();
            System.out.println("imported sha256:" + r.id() + (r.names().isEmpty() ? "" : " as " + String.join(", ", r.names()))
                    + " (" + r.layers().size() + " layers, " + r.format() + ")");
        }
        return 0;
    }
}
