package io.strata.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code strata} command. */
@Command(name = "strata", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Union / copy-on-write filesystem for container images, served through FUSE.",
        subcommands = {MountCommand.class, UmountCommand.class, DemoCommand.class, CommandLine.HelpCommand.class,
                io.strata.launcher.image.ImageCommand.class, io.strata.launcher.container.ContainerCommand.class,
                StoreCommands.Daemon.class, StoreCommands.Create.class, StoreCommands.Ps.class, StoreCommands.Snapshot.class,
                StoreCommands.Diff.class, StoreCommands.Commit.class, StoreCommands.Df.class, StoreCommands.Rm.class, StoreCommands.Gc.class,
                io.strata.launcher.snapshotter.SnapshotterCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof UserError) {
                cmd.getErr().println("strata: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
