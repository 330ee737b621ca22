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
                io.strata.launcher.run.RunCommand.class, io.strata.launcher.run.ExecCommand.class,
                io.strata.launcher.run.LifecycleCommands.Stop.class, io.strata.launcher.run.LifecycleCommands.Kill.class,
                io.strata.launcher.run.LifecycleCommands.Logs.class,
                io.strata.launcher.snapshotter.SnapshotterCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals(CliClassDataTraining.OPTION)) System.exit(CliClassDataTraining.run());
        System.exit(run(args));
    }

    /** docker's exit status for run's and exec's own errors (bad flag, missing image): the command's are 0-255 too. */
    static final int RUN_ERROR = 125;
    private static final java.util.Set<String> RUNS = java.util.Set.of("run", "exec");

    public static int run(String... args) {
        if (args.length >= 2 && args[0].equals("mount") && (args[1].equals("-f") || args[1].startsWith("--ready-fd")))
            return mountServer(args);
        return execute(new CommandLine(new Main()), args);
    }

    /**
     * The serving process that {@code strata mount} starts ({@link Daemon}: {@code mount -f ...}; ./strata:
     * {@code mount --ready-fd=3 ...}): only mount's model
     * is built, not every command's (building them all was a sixth of a new server's CPU before it mounts,
     * async-profiler), under a parent named strata, so that its errors read as the CLI's.
     */
    private static int mountServer(String... args) {
        CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create().name("strata"));
        cl.addSubcommand("mount", new MountCommand());
        return execute(cl, args);
    }

    /**
     * {@code strata run ARGS} by runCommand (a RunCommand), its output on out and err: the store daemon parses a native
     * client's run through here (io.strata.launcher.run.ClientRuns). Only run's model is built, not every command's,
     * under a parent named strata: the help and the errors read as the CLI's.
     */
    public static int runOnly(Object runCommand, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create().name("strata"));
        cl.addSubcommand("run", runCommand);
        cl.setOut(out);
        cl.setErr(err);
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        return execute(cl, all);
    }

    private static int execute(CommandLine cl, String... args) {
        for (String c : RUNS) { // CMD's own options pass through
            CommandLine sub = cl.getSubcommands().get(c);
            if (sub != null) sub.setStopAtPositional(true);
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean runs = RUNS.contains(cmd.getCommandName());
            if (runs || ex instanceof IllegalArgumentException || ex instanceof UserError) {
                cmd.getErr().println("strata: " + ex.getMessage());
                return runs ? RUN_ERROR : 2;
            }
            throw ex;
        });
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, a) -> {
            int code = usage.handleParseException(ex, a);
            return RUNS.contains(ex.getCommandLine().getCommandName()) ? RUN_ERROR : code;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
