package io.strata.launcher.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.launcher.StoreCommands;
import io.strata.launcher.run.spec.OciSpec;
import io.strata.launcher.run.spec.RunOptions;
import io.strata.launcher.run.spec.Users;
import io.strata.store.daemon.StoreRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code strata exec [-i] [-t] [-e K=V]… [-w DIR] [-u UID[:GID]] CONTAINER CMD [ARG…]}: a command inside a running
 * container — strata-nsexec joins the namespaces of its pid 1 and its cgroup. Environment, directory and user default
 * to the container's own (its config.json); capabilities and no_new_privs as for the run.
 */
@Command(name = "exec", sortOptions = false, description = {"Run a command in a running container.",
        "Options stop at CONTAINER: what follows is the command and its arguments."})
public final class ExecCommand implements Callable<Integer> {
    @Mixin
    ProcessFlags f = new ProcessFlags();
    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // the same checks as run's flags
        new RunOptions(command, f.env, f.workdir, f.user, null, f.tty, f.interactive, false, List.of(), RunOptions.Network.NONE, false,
                false, io.strata.launcher.run.cgroup.Limits.UNLIMITED);
        var client = StoreCommands.daemon(StoreRoot.resolve(f.store));
        RunState s = RunState.parse(StoreCommands.call(client, "run-info", container).get(0));
        RunDir d = s.dir();
        if (s.pid() <= 0) throw new io.strata.launcher.UserError("container " + container + " is starting");
        JsonNode p = new ObjectMapper().readTree(d.config().toFile()).path("process");
        List<String> baseEnv = new ArrayList<>();
        p.path("env").forEach(e -> baseEnv.add(e.asText()));
        Users.User u;
        if (f.user != null) u = Users.resolve(d.rootfs(), f.user);
        else {
            List<Long> extra = new ArrayList<>();
            p.path("user").path("additionalGids").forEach(g -> extra.add(g.asLong()));
            u = new Users.User(p.path("user").path("uid").asLong(), p.path("user").path("gid").asLong(), extra, "/");
        }
        String hostname = baseEnv.stream().filter(e -> e.startsWith("HOSTNAME=")).map(e -> e.substring(9)).findFirst().orElse("");
        List<String> envNow = OciSpec.env(baseEnv, f.env, hostname, u.home(), f.tty, System.getenv());
        String cwd = f.workdir != null ? f.workdir : p.path("cwd").asText("/");
        Path process = d.dir().resolve("exec-" + UUID.randomUUID() + ".json");
        Files.writeString(process, new ObjectMapper().writeValueAsString(OciSpec.process(command, envNow, cwd, u, f.tty)));
        try {
            System.out.flush();
            return Nsexec.foreground(Nsexec.exec(s.pid(), process, s.cgroupDirs()), f.interactive);
        } finally {
            Files.deleteIfExists(process);
        }
    }
}
