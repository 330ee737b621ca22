/* The helper's side once its child exists: cgroups, the signals it forwards, the messages of the sync socket, the
 * pty relay, and the exit status (docker's conventions). Also the --init that stays as the container's pid 1. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
static int signal_fd = -1;

static void handled_signals(sigset_t *set) {
    sigemptyset(set);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaddset(set, forwarded[i]);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGWINCH);
}

void nx_signals_block(void) {
    sigset_t set;
    handled_signals(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) nx_die_errno("block signals");
    signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0) nx_die_errno("signalfd");
    signal(SIGPIPE, SIG_IGN); /* a closed stdout must not kill the helper while its container runs */
}

void nx_join_cgroups(const struct nx_options *o, pid_t pid) {
    char text[16];
    snprintf(text, sizeof text, "%d", (int)pid);
    for (size_t i = 0; i < o->n_cgroups; i++)
        if (write(o->cgroup_procs[i], text, strlen(text)) < 0) nx_die_errno("join cgroup %s", o->cgroups[i]);
}

void nx_child_begin(int sync) {
    if (nx_route.report_fd >= 0) close(nx_route.report_fd);
    if (signal_fd >= 0) close(signal_fd);
    signal_fd = -1;
    nx_route = (struct nx_failure_route){.child_sync = sync, .report_fd = -1};
}

void nx_child_wait_go(int sync) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_PDEATHSIG)");
    struct nx_message m;
    if (!nx_sync_recv(sync, &m) || m.kind != 'G') _exit(NX_EXIT_FAILED);
}

/* PR_SET_PDEATHSIG(SIGKILL) (again: a user switch clears it); exits if the helper is already gone. */
static void watch_helper(int sync) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_PDEATHSIG)");
    struct pollfd helper = {sync, POLLIN, 0};
    if (poll(&helper, 1, 0) > 0 && (helper.revents & (POLLHUP | POLLERR))) _exit(NX_EXIT_FAILED);
}

_Noreturn void nx_child_exec(const struct nx_process *p, int sync) {
    watch_helper(sync);
    nx_signals_reset();
    nx_process_exec(p);
}

static int exit_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return NX_EXIT_FAILED;
}

static void handler_that_does_nothing(int sig) {
    (void)sig;
}

_Noreturn void nx_init_run(const struct nx_process *p, int sync, int pty_slave) {
    /* pid 1 only receives the signals it has a handler for; they stay blocked and are taken with sigwaitinfo */
    sigset_t set;
    handled_signals(&set);
    struct sigaction sa = {.sa_handler = handler_that_does_nothing};
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&set, sig) == 1 && sigaction(sig, &sa, NULL) < 0) nx_die_errno("sigaction %d", sig);
    watch_helper(sync);
    pid_t command = fork();
    if (command < 0) nx_die_errno("fork the command");
    if (command == 0) {
        if (pty_slave >= 0) nx_process_take_tty(pty_slave);
        nx_child_exec(p, sync);
    }
    close(sync);
    nx_route.child_sync = -1;
    if (pty_slave >= 0) close(pty_slave);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig == SIGCHLD) {
            int status;
            pid_t w;
            while ((w = waitpid(-1, &status, WNOHANG)) > 0)
                if (w == command) _exit(exit_status(status));
        } else if (sig > 0 && sig != SIGWINCH) {
            kill(command, sig);
        }
    }
}

struct supervision {
    pid_t pid;
    int sync;
    bool sync_open, master_open, exited, failed;
    int status;
    struct nx_message failure;
    struct nx_relay relay;
};

static void read_sync(struct supervision *s) {
    struct nx_message m;
    if (!nx_sync_recv(s->sync, &m)) {
        close(s->sync);
        s->sync_open = false;
        if (!s->failed && nx_route.report_fd >= 0) { /* the detached helper's starter prints the pid and exits 0 */
            dprintf(nx_route.report_fd, "S%d\n", (int)s->pid);
            close(nx_route.report_fd);
            nx_route.report_fd = -1;
        }
        return;
    }
    if (m.kind == 'T' && m.fd >= 0 && !s->master_open) {
        nx_relay_start(&s->relay, m.fd);
        s->master_open = true;
    } else if (m.kind == 'E' && !s->failed) {
        s->failed = true;
        s->failure = m;
    }
}

static void read_signals(struct supervision *s) {
    struct signalfd_siginfo si;
    while (read(signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) {
            int status;
            pid_t w;
            while ((w = waitpid(-1, &status, WNOHANG)) > 0)
                if (w == s->pid) {
                    s->exited = true;
                    s->status = status;
                }
        } else if (si.ssi_signo == SIGWINCH) {
            if (s->master_open) nx_relay_winsize(&s->relay);
        } else {
            kill(s->pid, (int)si.ssi_signo);
        }
    }
}

int nx_supervise(pid_t pid, int sync) {
    struct supervision s = {.pid = pid, .sync = sync, .sync_open = true, .relay = {.master = -1}};
    while (!s.exited) {
        struct pollfd fds[4];
        int n = 0, at_sync = -1, at_master = -1, at_stdin = -1;
        fds[n++] = (struct pollfd){signal_fd, POLLIN, 0};
        if (s.sync_open) {
            at_sync = n;
            fds[n++] = (struct pollfd){sync, POLLIN, 0};
        }
        if (s.master_open) {
            at_master = n;
            fds[n++] = (struct pollfd){s.relay.master, (short)(POLLIN | (s.relay.pending_len ? POLLOUT : 0)), 0};
            if (s.relay.stdin_open && !s.relay.pending_len) {
                at_stdin = n;
                fds[n++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
            }
        }
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            nx_die_errno("poll");
        }
        if (fds[0].revents) read_signals(&s);
        if (at_sync >= 0 && fds[at_sync].revents) read_sync(&s);
        if (at_master >= 0 && (fds[at_master].revents & (POLLIN | POLLHUP | POLLERR)) && !nx_relay_output(&s.relay))
            s.master_open = false;
        if (at_master >= 0 && s.master_open && (fds[at_master].revents & POLLOUT)) nx_relay_flush_input(&s.relay);
        if (at_stdin >= 0 && fds[at_stdin].revents) nx_relay_input(&s.relay);
    }
    nx_route.kill_pid = 0;
    while (s.sync_open) read_sync(&s); /* the child is gone: what it sent is all there is */
    if (s.master_open) nx_relay_drain(&s.relay);
    if (s.failed) nx_fail_line(s.failure.code, s.failure.line);
    nx_route.pid_file = NULL;
    return exit_status(s.status);
}
