/* strata-nsexec: the launcher's native helper. Java decides, the helper executes: it runs an OCI bundle's
 * config.json (`run`) or a process in a running container (`exec`) and exits with docker's status conventions.
 * The contract is launcher/NSEXEC.md. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NX_VERSION
#define NX_VERSION "dev"
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char usage[] =
    "usage: strata-nsexec run --bundle DIR [--cgroup CGDIR]... [--pid-file F] [--detach --log F --exit-file F] [--init]\n"
    "       strata-nsexec exec --pid HOSTPID --process F.json [--cgroup CGDIR]... [--pid-file F]\n"
    "                          [--detach --log F --exit-file F]\n"
    "       strata-nsexec client --fallback PROG run [ARG]...   (strata run through the store daemon)\n"
    "       strata-nsexec --version\n";

_Noreturn static void usage_error(const char *what, const char *arg) {
    nx_die(NX_EXIT_FAILED, 0, "%s%s%s (see strata-nsexec --help)", what, arg ? " " : "", arg ? arg : "");
}

/* --name VALUE or --name=VALUE; advances *i past what it used. */
static const char *value_of(int argc, char **argv, int *i, const char *name) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != 0) return NULL;
    if (*i + 1 >= argc) usage_error("missing value for", name);
    return argv[++*i];
}

static void parse(int argc, char **argv, bool run, struct nx_options *o) {
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (run && (v = value_of(argc, argv, &i, "--bundle"))) o->bundle = v;
        else if (!run && (v = value_of(argc, argv, &i, "--process"))) o->process_file = v;
        else if (!run && (v = value_of(argc, argv, &i, "--pid"))) {
            char *end;
            long pid = strtol(v, &end, 10);
            if (*end || pid <= 0) usage_error("bad --pid", v);
            o->target_pid = (pid_t)pid;
        } else if ((v = value_of(argc, argv, &i, "--cgroup"))) {
            if (o->n_cgroups == NX_MAX_CGROUPS) usage_error("too many --cgroup", NULL);
            o->cgroups[o->n_cgroups++] = v;
        } else if ((v = value_of(argc, argv, &i, "--pid-file"))) o->pid_file = v;
        else if ((v = value_of(argc, argv, &i, "--log"))) o->log = v;
        else if ((v = value_of(argc, argv, &i, "--exit-file"))) o->exit_file = v;
        else if (strcmp(argv[i], "--detach") == 0) o->detach = true;
        else if (run && strcmp(argv[i], "--init") == 0) o->init = true;
        else usage_error("unknown argument", argv[i]);
    }
    if (run && !o->bundle) usage_error("run needs --bundle", NULL);
    if (!run && (!o->process_file || !o->target_pid)) usage_error("exec needs --pid and --process", NULL);
    if (o->detach && !o->exit_file) usage_error("--detach needs --exit-file", NULL);
    if (!o->detach && (o->log || o->exit_file)) usage_error("--log and --exit-file go with --detach", NULL);
}

static void open_cgroups(struct nx_options *o) {
    for (size_t i = 0; i < o->n_cgroups; i++) {
        char *procs = nx_path_join(o->cgroups[i], "cgroup.procs");
        o->cgroup_procs[i] = open(procs, O_WRONLY | O_CLOEXEC);
        if (o->cgroup_procs[i] < 0) nx_die_errno("cgroup %s", o->cgroups[i]);
        free(procs);
    }
}

/* --detach: fork, setsid, fork again; the grandchild (the shim) goes on with stdin from /dev/null and stdout+stderr
 * appended to the log, and tells this process over a pipe when the container's process has exec'd ("S<pid>") or
 * what failed ("E<code> <line>"). This process prints the pid and exits 0, or exits with the failure. */
static void detach(const struct nx_options *o) {
    int log = open(o->log ? o->log : "/dev/null", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log < 0) nx_die_errno("open the log %s", o->log ? o->log : "/dev/null");
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC), report[2];
    if (null < 0 || pipe2(report, O_CLOEXEC) < 0) nx_die_errno("open /dev/null and a pipe");
    pid_t first = fork();
    if (first < 0) nx_die_errno("fork");
    if (first == 0) {
        close(report[0]);
        pid_t shim = setsid() < 0 ? -1 : fork();
        if (shim < 0) {
            dprintf(report[1], "E%d strata-nsexec: start the detached helper: %s\n", NX_EXIT_FAILED, strerror(errno));
            _exit(NX_EXIT_FAILED);
        }
        if (shim > 0) _exit(0);
        if (dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) _exit(NX_EXIT_FAILED);
        close(null);
        close(log);
        nx_route.report_fd = report[1];
        nx_route.exit_file = o->exit_file;
        return;
    }
    close(report[1]);
    waitpid(first, NULL, 0);
    char buf[2048];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && ((n = read(report[0], buf + len, sizeof buf - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) len += (size_t)n;
    buf[len] = 0;
    if (buf[0] == 'S') {
        fputs(buf + 1, stdout);
        exit(0);
    }
    if (buf[0] == 'E') {
        char *line = strchr(buf, ' ');
        fputs(line ? line + 1 : "strata-nsexec: failed\n", stderr);
        exit(atoi(buf + 1) > 0 ? atoi(buf + 1) : NX_EXIT_FAILED);
    }
    nx_die(NX_EXIT_FAILED, 0, "the detached helper ended before the container started (see %s)", o->log ? o->log : "its log");
}

/* A foreground helper dies with whoever started it (even by kill -9), and its container with it. */
static void die_with_parent(void) {
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_PDEATHSIG)");
    if (getppid() != parent) nx_die(NX_EXIT_FAILED, 0, "the launcher exited");
}

/*
 * A container starts with every signal at its default and none blocked, whatever its launcher inherited: a launcher
 * under nohup, or started with & by a non-interactive shell, has SIGHUP or SIGINT ignored, and an ignored signal is
 * discarded even while blocked (the signalfd that forwards it would never see it), and a shell cannot trap a signal
 * that was ignored when it started. The launcher decides what it relays; the helper passes on all it gets.
 */
static void clean_signals(void) {
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL); /* EINVAL for the few the C library keeps */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv) {
    /* nothing the helper inherited reaches the container */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (argc >= 2 && strcmp(argv[1], "client") == 0) return nx_client_main(argc, argv);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("strata-nsexec version %s\n", NX_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "exec") != 0))
        usage_error("unknown command", argc < 2 ? NULL : argv[1]);
    clean_signals();
    bool run = strcmp(argv[1], "run") == 0;
    static struct nx_options o;
    parse(argc, argv, run, &o);
    static struct nx_config config;
    static struct nx_process process;
    if (run) nx_config_load(o.bundle, &config);
    else nx_process_load(o.process_file, &process);
    open_cgroups(&o);
    if (o.detach) detach(&o);
    else die_with_parent();
    nx_signals_block();
    int status = run ? nx_run(&o, &config) : nx_exec(&o, &process);
    if (o.exit_file) {
        char text[16];
        snprintf(text, sizeof text, "%d", status);
        if (nx_write_atomic(o.exit_file, text) < 0) nx_die_errno("write the exit file %s", o.exit_file);
    }
    return status;
}
