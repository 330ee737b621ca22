/* `run`: the container from config.json. The helper clones the child into new namespaces, writes its id maps,
 * puts it into the cgroups and writes the pid file, then releases it ('G'); the child builds the filesystem view,
 * sets hostname, loopback, rlimits and credentials and execs (or becomes the --init of the command). */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *namespace_name(int flag) {
    switch (flag) {
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWUSER: return "user";
    default: return "cgroup";
    }
}

/* Namespaces given by path are joined by the helper before clone, so the child is born in them (a pid namespace
 * only applies to children anyway); the user namespace last, while the helper still may join the others. */
static void join_namespace_paths(const struct nx_config *c) {
    int fds[8], user_fd = -1;
    for (size_t i = 0; i < c->n_namespaces; i++) {
        fds[i] = -1;
        if (!c->namespaces[i].path) continue;
        fds[i] = open(c->namespaces[i].path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) nx_die_errno("open the %s namespace %s", namespace_name(c->namespaces[i].flag), c->namespaces[i].path);
        if (c->namespaces[i].flag == CLONE_NEWUSER) user_fd = fds[i];
    }
    for (size_t i = 0; i < c->n_namespaces; i++)
        if (fds[i] >= 0 && fds[i] != user_fd && setns(fds[i], c->namespaces[i].flag) < 0)
            nx_die_errno("join the %s namespace %s", namespace_name(c->namespaces[i].flag), c->namespaces[i].path);
    if (user_fd >= 0 && setns(user_fd, CLONE_NEWUSER) < 0) nx_die_errno("join the user namespace");
    for (size_t i = 0; i < c->n_namespaces; i++)
        if (fds[i] >= 0) close(fds[i]);
}

static bool is_new(const struct nx_config *c, int flag) {
    const struct nx_namespace *ns = nx_config_namespace(c, flag);
    return ns && !ns->path;
}

/* pid, mount, uts and ipc are always new (unless joined by path); network, user and cgroup when listed. The cgroup
 * namespace is unshared by the child after the helper has put it into its cgroups (the namespace's root is the
 * cgroup it is in at that moment). */
static int clone_flags(const struct nx_config *c) {
    int flags = CLONE_NEWNS;
    static const int always[] = {CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC};
    for (size_t i = 0; i < sizeof always / sizeof *always; i++) {
        const struct nx_namespace *ns = nx_config_namespace(c, always[i]);
        if (!ns || !ns->path) flags |= always[i];
    }
    if (is_new(c, CLONE_NEWNET)) flags |= CLONE_NEWNET;
    if (is_new(c, CLONE_NEWUSER)) flags |= CLONE_NEWUSER;
    return flags;
}

static void write_id_map(pid_t pid, const char *file, const struct nx_id_map *maps, size_t n) {
    char path[64], text[340 * 36 + 1];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%u %u %u\n", maps[i].container_id, maps[i].host_id,
                                maps[i].size);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) nx_die_errno("write %s", file);
    close(fd);
}

static void write_id_maps(const struct nx_config *c, pid_t pid) {
    if (geteuid() != 0) { /* unprivileged: the kernel wants setgroups denied before a gid_map */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "deny", 4) != 4) nx_die_errno("write setgroups");
        close(fd);
    }
    write_id_map(pid, "uid_map", c->uid_maps, c->n_uid_maps);
    write_id_map(pid, "gid_map", c->gid_maps, c->n_gid_maps);
}

static void loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) nx_die_errno("read the flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) nx_die_errno("bring lo up");
    close(s);
}

_Noreturn static void child(const struct nx_options *o, const struct nx_config *c, int sync) {
    nx_child_begin(sync);
    nx_child_wait_go(sync);
    /* In a user namespace, become its root: the child still has the host's ids, unmapped there (EOVERFLOW). */
    if (nx_config_namespace(c, CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        nx_die_errno("become root of the user namespace");
    if (is_new(c, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) nx_die_errno("unshare the cgroup namespace");
    umask(0);
    struct nx_rootfs_state st = {
        .in_user_namespace = nx_config_namespace(c, CLONE_NEWUSER) != NULL,
        .new_cgroup_namespace = nx_config_namespace(c, CLONE_NEWCGROUP) != NULL,
    };
    nx_rootfs_setup(c, &st);
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0) nx_die_errno("sethostname %s", c->hostname);
    if (is_new(c, CLONE_NEWNET)) loopback_up();
    umask(022);
    nx_process_rlimits(&c->process);
    if (st.pty_master >= 0) {
        nx_sync_send(sync, 'T', 0, NULL, st.pty_master);
        close(st.pty_master);
    }
    nx_process_credentials(&c->process);
    if (o->init) nx_init_run(&c->process, sync, st.pty_slave);
    if (st.pty_slave >= 0) nx_process_take_tty(st.pty_slave);
    nx_child_exec(&c->process, sync);
}

int nx_run(const struct nx_options *o, const struct nx_config *c) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) nx_die_errno("socketpair");
    join_namespace_paths(c);
    /* fork-like clone (no new stack): the child goes on from here in its new namespaces */
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)clone_flags(c) | SIGCHLD, NULL, NULL, NULL, 0);
    if (pid < 0) nx_die_errno("clone");
    if (pid == 0) {
        close(sv[0]);
        child(o, c, sv[1]);
    }
    close(sv[1]);
    nx_route.kill_pid = pid;
    if (is_new(c, CLONE_NEWUSER)) write_id_maps(c, pid);
    nx_join_cgroups(o, pid);
    if (o->pid_file) {
        char text[16];
        snprintf(text, sizeof text, "%d", (int)pid);
        if (nx_write_atomic(o->pid_file, text) < 0) nx_die_errno("write the pid file %s", o->pid_file);
        nx_route.pid_file = o->pid_file;
    }
    nx_sync_send(sv[0], 'G', 0, NULL, -1);
    return nx_supervise(pid, sv[0]);
}
