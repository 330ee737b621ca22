/* strata-nsexec client: `strata run` without a JVM while the store's daemon is up. The ./strata wrapper execs it;
 * it sends its argv, pid, cwd and environment to the daemon (request run-client: the daemon parses the argv with the
 * CLI's own definitions and prepares the run as the CLI would, see ClientRuns.java), prints what the daemon says to
 * print, then runs the helper the daemon names on this process's own terminal, relaying signals as the CLI does, and
 * reports the end (run-end). No daemon, or a daemon that cannot serve the run: it execs the JVM CLI instead
 * (--fallback PROG, with STRATA_CLIENT=off). The contract is launcher/NSEXEC.md, "The native client". */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- a growing buffer ---- */

struct buf {
    char *data;
    size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            fputs("strata: out of memory\n", stderr);
            exit(NX_EXIT_FAILED);
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

/* One field of the daemon's protocol: backslash, TAB, newline and CR escaped (Protocol.escape in layer-store). */
static void buf_field(struct buf *b, const char *s) {
    buf_add(b, "\t", 1);
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : NULL;
        if (e) buf_add(b, e, 2);
        else buf_add(b, s, 1);
    }
}

/* In place: the inverse of buf_field's escaping. */
static char *unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return s;
}

_Noreturn static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("strata: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(NX_EXIT_FAILED);
}

/* ---- the JVM CLI instead ---- */

static const char *fallback_prog;
static char **run_args;
static int n_run_args;

_Noreturn static void fallback(void) {
    char **argv = nx_alloc(sizeof(char *) * ((size_t)n_run_args + 3));
    argv[0] = (char *)fallback_prog;
    argv[1] = "run";
    for (int i = 0; i < n_run_args; i++) argv[2 + i] = run_args[i];
    argv[2 + n_run_args] = NULL;
    if (setenv("STRATA_CLIENT", "off", 1) < 0) fail("setenv: %s", strerror(errno));
    execv(fallback_prog, argv);
    fail("cannot run %s: %s", fallback_prog, strerror(errno));
}

/* ---- talking to the daemon: one request per connection (Protocol.java) ---- */

static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* The store's socket: --store DIR (or --store=DIR) among the arguments, else $STRATA_STORE, else /var/lib/strata.
 * A --store that was really the command's is caught by the daemon, which answers "fallback" for another store. */
static bool find_socket(void) {
    const char *store = NULL;
    for (int i = 0; i < n_run_args && !store; i++) {
        if (strcmp(run_args[i], "--store") == 0 && i + 1 < n_run_args) store = run_args[i + 1];
        else if (strncmp(run_args[i], "--store=", 8) == 0) store = run_args[i] + 8;
    }
    if (!store) store = getenv("STRATA_STORE");
    if (!store || !*store) store = "/var/lib/strata";
    int n = snprintf(socket_path, sizeof socket_path, "%s/strata.sock", store);
    return n > 0 && (size_t)n < sizeof socket_path;
}

/* Sends a request, returns the daemon's whole answer (NUL-terminated), or NULL when it cannot be reached. */
static char *request(const struct buf *req) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return NULL;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return NULL;
    }
    size_t sent = 0;
    while (sent < req->len) { /* MSG_NOSIGNAL: a daemon gone mid-request is an error here, not a SIGPIPE */
        ssize_t n = send(fd, req->data + sent, req->len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        sent += (size_t)n;
    }
    if (sent < req->len || shutdown(fd, SHUT_WR) < 0) {
        close(fd);
        return NULL;
    }
    struct buf answer = {0};
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        buf_add(&answer, chunk, (size_t)n);
    }
    close(fd);
    buf_add(&answer, "", 0);
    return answer.data;
}

/* The "out" lines of an answer, with "ok"; false (and *err set) for "err ERRNO message" or no final line. */
struct answer {
    char **lines;
    size_t n;
    const char *err;
};

static bool parse_answer(char *text, struct answer *a) {
    size_t cap = 16;
    a->lines = nx_alloc(cap * sizeof(char *));
    a->n = 0;
    a->err = "the daemon closed the connection without an answer";
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (strncmp(line, "out\t", 4) == 0) {
            if (a->n == cap) {
                cap *= 2;
                char **l = realloc(a->lines, cap * sizeof(char *));
                if (!l) fail("out of memory");
                a->lines = l;
            }
            a->lines[a->n++] = line + 4;
        } else if (strcmp(line, "ok") == 0) {
            return true;
        } else if (strncmp(line, "err\t", 4) == 0) {
            char *msg = strchr(line + 4, '\t');
            a->err = msg ? msg + 1 : line + 4;
            return false;
        }
    }
    return false;
}

/* "VERB A B" (run-detach, run-end); false with a->err set when it failed or the daemon went away. */
static bool call(const char *verb, const char *arg1, const char *arg2, struct answer *a) {
    struct buf req = {0};
    buf_add(&req, verb, strlen(verb));
    buf_field(&req, arg1);
    buf_field(&req, arg2);
    buf_add(&req, "\n", 1);
    char *text = request(&req);
    free(req.data);
    if (text) return parse_answer(text, a);
    a->n = 0;
    a->err = "the strata daemon went away";
    return false;
}

/* The value of line "KEY TAB value", or NULL. */
static char *value(char *line, const char *key) {
    size_t n = strlen(key);
    return strncmp(line, key, n) == 0 && line[n] == '\t' ? line + n + 1 : NULL;
}

/* ---- signals: relayed to the helper as the CLI does (RunCommand, Signals.Relay) ---- */

static volatile sig_atomic_t helper_pid;
static volatile sig_atomic_t held[NSIG];
static bool from_terminal;

static void on_signal(int sig) {
    /* in a terminal's foreground job, ^C and hangup reach the helper directly (same process group) */
    if (from_terminal && sig != SIGTERM) return;
    if (helper_pid > 0) kill(helper_pid, sig);
    else held[sig] = 1;
}

static const int relayed[] = {SIGINT, SIGTERM, SIGHUP};

static void relay_signals(void) {
    int tty = open("/dev/tty", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (tty >= 0) {
        from_terminal = tcgetpgrp(tty) == getpgrp();
        close(tty);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) sigaction(relayed[i], &sa, NULL);
}

static void block_relayed(int how, sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) sigaddset(&set, relayed[i]);
    sigprocmask(how, &set, old);
}

/* Starts the helper with stdin from /dev/null unless interactive, stdout to out_fd when >= 0; signals that came
 * before it go to it first. */
static pid_t start_helper(char **argv, bool interactive, int out_fd) {
    sigset_t old;
    block_relayed(SIG_BLOCK, &old);
    pid_t pid = fork();
    if (pid < 0) fail("fork: %s", strerror(errno));
    if (pid == 0) { /* a signal held for the helper and sent before its exec must not land in this copy's handler */
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) sigaction(relayed[i], &dfl, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (!interactive) {
            int null = open("/dev/null", O_RDONLY);
            if (null < 0 || dup2(null, 0) < 0) _exit(NX_EXIT_FAILED);
        }
        if (out_fd >= 0 && dup2(out_fd, 1) < 0) _exit(NX_EXIT_FAILED);
        execv(argv[0], argv);
        fprintf(stderr, "strata: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(NX_EXIT_FAILED);
    }
    helper_pid = pid;
    for (int sig = 1; sig < NSIG; sig++)
        if (held[sig]) kill(pid, sig);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

/* Its exit status, 128+N when killed by signal N (as Java's Process.waitFor). */
static int wait_helper(pid_t pid) {
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) fail("waitpid: %s", strerror(errno));
    helper_pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : NX_EXIT_FAILED;
}

/* -d: the helper detaches and prints the container's pid; the run is handed to its shim (run-detach). */
static int run_detached(char **argv, const char *container) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) fail("pipe: %s", strerror(errno));
    pid_t pid = start_helper(argv, false, p[1]);
    close(p[1]);
    char line[64] = {0};
    size_t len = 0;
    ssize_t n;
    while (len < sizeof line - 1 && ((n = read(p[0], line + len, sizeof line - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) len += (size_t)n;
    close(p[0]);
    int status = wait_helper(pid);
    if (status != 0) return status;
    char *end;
    long container_pid = strtol(line, &end, 10);
    if (container_pid <= 0 || (*end && *end != '\n')) {
        fputs("strata: strata-nsexec --detach printed no pid\n", stderr);
        return NX_EXIT_FAILED;
    }
    char text[24];
    snprintf(text, sizeof text, "%ld", container_pid);
    struct answer a;
    if (!call("run-detach", container, text, &a)) {
        fprintf(stderr, "strata: %s\n", a.err);
        return NX_EXIT_FAILED;
    }
    printf("%s\n", container);
    fflush(stdout);
    return -1; /* detached: no run-end */
}

/* STRATA_RUN_TIMING=1: the phases the daemon's answers name ("phase NAME MICROS"), on stderr. */
static bool timing;

static void print_phase(char *v) {
    char *tab = strchr(v, '\t');
    if (tab) *tab = ' ';
    if (timing) fprintf(stderr, "strata: %s us\n", v);
}

/* run-end: the daemon cleans up; the OOM kills its cgroup counted (0 if it cannot be asked). */
static long run_end(const char *container, int status) {
    char text[16];
    snprintf(text, sizeof text, "%d", status);
    struct answer a;
    if (!call("run-end", container, text, &a)) {
        fprintf(stderr, "strata: cleaning up after %s: %s\n", container, a.err);
        return 0;
    }
    long oom = 0;
    for (size_t i = 0; i < a.n; i++) {
        char *v;
        if ((v = value(a.lines[i], "oom"))) oom = atol(v);
        else if ((v = value(a.lines[i], "phase"))) print_phase(v);
    }
    return oom;
}

static long micros_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000L + (t.tv_nsec - t0->tv_nsec) / 1000;
}

/* strata-nsexec client --fallback PROG run ARG… */
int nx_client_main(int argc, char **argv) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (argc < 5 || strcmp(argv[2], "--fallback") != 0 || strcmp(argv[4], "run") != 0) {
        fputs("usage: strata-nsexec client --fallback PROG run [ARG]...\n", stderr);
        return NX_EXIT_FAILED;
    }
    fallback_prog = argv[3];
    run_args = argv + 5;
    n_run_args = argc - 5;
    if (!find_socket()) fallback();
    relay_signals();

    struct buf req = {0};
    char text[PATH_MAX];
    buf_add(&req, "run-client", 10);
    snprintf(text, sizeof text, "%ld", (long)getpid());
    buf_field(&req, text);
    if (!getcwd(text, sizeof text)) fail("getcwd: %s", strerror(errno));
    buf_field(&req, text);
    snprintf(text, sizeof text, "%d", n_run_args);
    buf_field(&req, text);
    for (int i = 0; i < n_run_args; i++) buf_field(&req, run_args[i]);
    for (char **e = environ; *e; e++) buf_field(&req, *e);
    buf_add(&req, "\n", 1);
    char *answer = request(&req);
    if (!answer) fallback(); /* no daemon: the CLI starts one */
    struct answer a;
    if (!parse_answer(answer, &a)) {
        if (a.n == 0) fallback(); /* a daemon that does not know run-client */
        fail("%s", a.err);
    }
    long request_us = micros_since(&t0);

    const char *container = NULL, *memory = NULL;
    bool detach = false, interactive = false;
    timing = getenv("STRATA_RUN_TIMING") && strcmp(getenv("STRATA_RUN_TIMING"), "1") == 0;
    char **helper = nx_alloc(sizeof(char *) * (a.n + 1));
    size_t n_helper = 0;
    for (size_t i = 0; i < a.n; i++) {
        char *l = a.lines[i], *v;
        if (strcmp(l, "fallback") == 0) fallback();
        else if ((v = value(l, "stdout"))) fputs(unescape(v), stdout);
        else if ((v = value(l, "stderr"))) fputs(unescape(v), stderr);
        else if ((v = value(l, "exit"))) {
            fflush(stdout);
            return atoi(v);
        } else if ((v = value(l, "container"))) container = unescape(v);
        else if ((v = value(l, "memory"))) memory = unescape(v);
        else if ((v = value(l, "detach"))) detach = strcmp(v, "1") == 0;
        else if ((v = value(l, "interactive"))) interactive = strcmp(v, "1") == 0;
        else if ((v = value(l, "exec"))) helper[n_helper++] = unescape(v);
        else if ((v = value(l, "phase"))) print_phase(v);
    }
    helper[n_helper] = NULL;
    if (!container || n_helper == 0) fail("the strata daemon's answer names no container or helper");
    if (timing) fprintf(stderr, "strata: client.request %ld us\n", request_us);
    fflush(stdout);

    int status = detach ? run_detached(helper, container) : wait_helper(start_helper(helper, interactive, -1));
    if (status < 0) return 0;
    if (timing) fprintf(stderr, "strata: client.helper %ld us\n", micros_since(&t0) - request_us);
    long oom = run_end(container, status);
    if (status == 137 && oom > 0) fprintf(stderr, "strata: killed: out of memory (limit %s)\n", memory ? memory : "?");
    if (timing) fprintf(stderr, "strata: client.total %ld us\n", micros_since(&t0));
    return status;
}
