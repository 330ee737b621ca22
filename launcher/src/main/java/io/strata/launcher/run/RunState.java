package io.strata.launcher.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.launcher.run.cgroup.Limits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A run as the daemon records it (RUNDIR/state.json, also the body of the run-start request and the answer to
 * run-info): the container, who owns the run (the foreground CLI, or a detached run's shim: when that process is gone
 * the daemon cleans up), the container's host pid, the limits and cgroup, and how it ended.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunState(String container, String runDir, String cgroupId, long ownerPid, long ownerStart, boolean detached,
                       boolean rm, long pid, String status, int exitCode, long startedMillis, long finishedMillis,
                       Limits limits, String memoryText, long oomKills, String uidMapping, List<String> cgroupDirs) {
    public static final String RUNNING = "running", EXITED = "exited";
    static final ObjectMapper JSON = new ObjectMapper();

    public RunState {
        cgroupDirs = cgroupDirs == null ? List.of() : List.copyOf(cgroupDirs);
    }

    public RunDir dir() {
        return new RunDir(Path.of(runDir));
    }

    public Procs.Id owner() {
        return new Procs.Id(ownerPid, ownerStart);
    }

    public RunState withOwner(Procs.Id owner, boolean detachedNow, long containerPid) {
        return new RunState(container, runDir, cgroupId, owner == null ? 0 : owner.pid(), owner == null ? -1 : owner.start(),
                detachedNow, rm, containerPid, status, exitCode, startedMillis, finishedMillis, limits, memoryText, oomKills,
                uidMapping, cgroupDirs);
    }

    public RunState started(List<String> dirs) {
        return new RunState(container, runDir, cgroupId, ownerPid, ownerStart, detached, rm, pid, RUNNING, -1,
                System.currentTimeMillis(), 0, limits, memoryText, 0, uidMapping, dirs);
    }

    public RunState exited(int code, long oom, long containerPid) {
        return new RunState(container, runDir, cgroupId, ownerPid, ownerStart, detached, rm, containerPid, EXITED, code,
                startedMillis, System.currentTimeMillis(), limits, memoryText, oom, uidMapping, cgroupDirs);
    }

    public boolean running() {
        return RUNNING.equals(status);
    }

    /** One line of JSON (a protocol argument holds no newline or TAB; JSON escapes them inside strings). */
    public String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunState parse(String json) {
        try {
            return JSON.readValue(json, RunState.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad run state: " + e.getMessage(), e);
        }
    }

    /** state.json of a run dir, or null. */
    public static RunState read(RunDir d) {
        try {
            return Files.isRegularFile(d.state()) ? parse(Files.readString(d.state())) : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Written whole (rename over the old one). */
    public void write() throws IOException {
        Path tmp = dir().dir().resolve(".state.json.tmp");
        Files.writeString(tmp, json());
        Files.move(tmp, dir().state(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
