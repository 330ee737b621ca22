package io.strata.launcher.run;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The flags strata run and strata exec share (docker's names and meanings). */
public final class ProcessFlags {
    @Option(names = "--store", paramLabel = "DIR", description = "Store root (default: $STRATA_STORE, else /var/lib/strata).")
    Path store;
    @Option(names = {"-i", "--interactive"}, description = "Keep stdin attached.")
    boolean interactive;
    @Option(names = {"-t", "--tty"}, description = "Give the command a terminal (a pty).")
    boolean tty;
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (KEY alone: the host's value).")
    List<String> env = new ArrayList<>();
    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container.")
    String workdir;
    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "User (and group) to run as; names from the container's /etc/passwd.")
    String user;
    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;
}
