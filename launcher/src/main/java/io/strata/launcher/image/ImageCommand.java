package io.strata.launcher.image;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code strata image ...}: the OCI image store. */
@Command(name = "image", mixinStandardHelpOptions = true, versionProvider = io.strata.launcher.Version.class,
        scope = CommandLine.ScopeType.INHERIT, description = "Import, list, inspect, mount, export and remove OCI images.",
        subcommands = {ImportCommand.class, ListCommand.class, InspectCommand.class, RemoveCommand.class,
                ImageMountCommand.class, WhichCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class ImageCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
