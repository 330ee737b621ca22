/* The process's own settings, last before execve (run's pid 1, exec's process, the command under --init):
 * rlimits, cwd, user and groups, capabilities, no_new_privs, then execve through the PATH of process.env. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define NX_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void nx_process_rlimits(const struct nx_process *p) {
    for (size_t i = 0; i < p->n_rlimits; i++) {
        struct rlimit r = {(rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard};
        if (setrlimit(p->rlimits[i].resource, &r) < 0) nx_die_errno("setrlimit %d", p->rlimits[i].resource);
    }
}

/* A user namespace whose gid_map was written with setgroups denied (rootless) refuses setgroups. */
static bool setgroups_denied(void) {
    char *text = nx_read_file("/proc/self/setgroups", 64);
    bool denied = text && strncmp(text, "deny", 4) == 0;
    free(text);
    return denied;
}

static void switch_user(const struct nx_process *p) {
    gid_t *groups = nx_alloc((p->n_additional_gids + 1) * sizeof(gid_t));
    for (size_t i = 0; i < p->n_additional_gids; i++) groups[i] = p->additional_gids[i];
    if (setgroups(p->n_additional_gids, groups) < 0 && !(errno == EPERM && p->n_additional_gids == 0 && setgroups_denied()))
        nx_die_errno("setgroups");
    free(groups);
    if (setresgid(p->gid, p->gid, p->gid) < 0) nx_die_errno("setgid %u", p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0) nx_die_errno("setuid %u", p->uid);
}

void nx_process_credentials(const struct nx_process *p) {
    /* cwd before the user switch (root may enter any directory), again after it if that failed (root squash) */
    bool in_cwd = chdir(p->cwd) == 0;
    nx_caps_drop_bounding(p);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_KEEPCAPS)");
    switch_user(p);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_KEEPCAPS)");
    if (!in_cwd && chdir(p->cwd) < 0) nx_die_errno("chdir %s", p->cwd);
    nx_caps_apply(p);
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) nx_die_errno("prctl(PR_SET_NO_NEW_PRIVS)");
}

static const char *env_path(char *const *env) {
    for (; *env; env++)
        if (strncmp(*env, "PATH=", 5) == 0) return *env + 5;
    return NX_DEFAULT_PATH;
}

static int exit_code_of(int err) {
    return err == ENOENT || err == ENOTDIR ? NX_EXIT_NOT_FOUND : NX_EXIT_CANNOT_EXEC;
}

/* execvpe's search without its fallbacks: no sh for ENOEXEC, the PATH of process.env rather than the helper's. */
_Noreturn void nx_process_exec(const struct nx_process *p) {
    const char *file = p->args.v[0];
    char *const *argv = p->args.v, *const *envp = p->env.v;
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        nx_die(exit_code_of(errno), errno, "exec %s", file);
    }
    const char *path = env_path(envp);
    bool denied = false;
    int err = ENOENT;
    for (const char *dir = path;; dir++) {
        const char *end = strchrnul(dir, ':');
        size_t n = (size_t)(end - dir);
        size_t size = n + strlen(file) + 3;
        char *candidate = nx_alloc(size);
        snprintf(candidate, size, "%.*s/%s", n ? (int)n : 1, n ? dir : ".", file); /* empty entry: . */
        execve(candidate, argv, envp);
        err = errno;
        free(candidate);
        if (err == EACCES) denied = true;
        else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV && err != ETIMEDOUT) break;
        if (!*end) break;
        dir = end;
    }
    if (denied && (err == ENOENT || err == ENOTDIR)) err = EACCES;
    nx_die(exit_code_of(err), err, "exec %s (PATH=%s)", file, path);
}

void nx_signals_reset(void) {
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL); /* glibc's own (32, 33) refuse: fine */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void nx_process_take_tty(int slave) {
    if (setsid() < 0) nx_die_errno("setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0) nx_die_errno("set the controlling terminal");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0) nx_die_errno("dup2 the pty");
    if (slave > 2) close(slave);
}
