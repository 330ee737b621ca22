/* `exec`: a process in a running container. The helper forks a child that joins the namespaces of the container's
 * process (user first, only those that differ from the helper's) once the helper has put it into the cgroups; the
 * child then clones the process with CLONE_PARENT (a pid namespace only applies to children, and the helper must be
 * the parent that waits for it), sends its pid and exits. The process's root is the container's: joining the
 * mount namespace moves root and cwd to that namespace's root. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct { const char *name; int flag; } namespaces[] = {
    {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET}, {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
};
#define N_NAMESPACES (sizeof namespaces / sizeof *namespaces)

/* The target's namespace files that differ from the helper's; -1 where they are the same. */
static void open_namespaces(pid_t target, int fds[N_NAMESPACES]) {
    for (size_t i = 0; i < N_NAMESPACES; i++) {
        char theirs[64], ours[64];
        snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)target, namespaces[i].name);
        snprintf(ours, sizeof ours, "/proc/self/ns/%s", namespaces[i].name);
        struct stat a, b;
        fds[i] = -1;
        if (stat(theirs, &a) < 0) {
            if (errno == ENOENT && i > 0) continue; /* a kernel without that namespace type */
            nx_die_errno("container process %d", (int)target);
        }
        if (stat(ours, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) continue;
        fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) nx_die_errno("open %s", theirs);
    }
}

_Noreturn static void process_child(const struct nx_process *p, int sync) {
    nx_process_rlimits(p);
    int master = -1, slave = -1;
    if (p->terminal) {
        nx_pty_open(&master, &slave, p->uid);
        nx_sync_send(sync, 'T', 0, NULL, master);
        close(master);
    }
    nx_process_credentials(p);
    if (slave >= 0) nx_process_take_tty(slave);
    nx_child_exec(p, sync);
}

_Noreturn static void joining_child(const struct nx_process *p, int sync, const int fds[N_NAMESPACES], pid_t target) {
    nx_child_begin(sync);
    nx_child_wait_go(sync);
    for (size_t i = 0; i < N_NAMESPACES; i++)
        if (fds[i] >= 0 && setns(fds[i], namespaces[i].flag) < 0)
            nx_die_errno("join the %s namespace of %d", namespaces[i].name, (int)target);
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
    if (pid < 0) nx_die_errno("clone into the container");
    if (pid == 0) {
        umask(022);
        process_child(p, sync);
    }
    nx_sync_send(sync, 'P', pid, NULL, -1);
    _exit(0);
}

int nx_exec(const struct nx_options *o, const struct nx_process *p) {
    int fds[N_NAMESPACES], sv[2];
    open_namespaces(o->target_pid, fds);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) nx_die_errno("socketpair");
    pid_t joiner = fork();
    if (joiner < 0) nx_die_errno("fork");
    if (joiner == 0) {
        close(sv[0]);
        joining_child(p, sv[1], fds, o->target_pid);
    }
    close(sv[1]);
    for (size_t i = 0; i < N_NAMESPACES; i++)
        if (fds[i] >= 0) close(fds[i]);
    nx_route.kill_pid = joiner;
    nx_join_cgroups(o, joiner);
    nx_sync_send(sv[0], 'G', 0, NULL, -1);
    struct nx_message m;
    if (!nx_sync_recv(sv[0], &m)) nx_die(NX_EXIT_FAILED, 0, "the process joining the container ended early");
    if (m.kind == 'E') nx_fail_line(m.code, m.line);
    if (m.kind != 'P') nx_die(NX_EXIT_FAILED, 0, "unexpected message from the joining process");
    waitpid(joiner, NULL, 0);
    nx_route.kill_pid = m.code;
    if (o->pid_file) {
        char text[16];
        snprintf(text, sizeof text, "%d", m.code);
        if (nx_write_atomic(o->pid_file, text) < 0) nx_die_errno("write the pid file %s", o->pid_file);
        nx_route.pid_file = o->pid_file;
    }
    return nx_supervise(m.code, sv[0]);
}
