/* Small things every file needs: allocation that cannot fail quietly, whole-file reads, atomic writes, and nx_die,
 * which sends a failure where nx_route says (the parent over the sync socket, the detached helper's starter, or
 * stderr) after undoing what the parent had done (the container's process killed, the pid file removed). */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct nx_failure_route nx_route = {.child_sync = -1, .report_fd = -1};

_Noreturn void nx_fail_line(int code, const char *line) {
    if (nx_route.child_sync >= 0) {
        nx_sync_send(nx_route.child_sync, 'E', code, line, -1);
        _exit(code);
    }
    if (nx_route.kill_pid > 0) {
        kill(nx_route.kill_pid, SIGKILL);
        waitpid(nx_route.kill_pid, NULL, 0);
    }
    if (nx_route.pid_file) unlink(nx_route.pid_file);
    if (nx_route.report_fd >= 0) dprintf(nx_route.report_fd, "E%d %s\n", code, line);
    fprintf(stderr, "%s\n", line);
    if (nx_route.exit_file) {
        char text[16];
        snprintf(text, sizeof text, "%d", code);
        nx_write_atomic(nx_route.exit_file, text);
    }
    exit(code);
}

_Noreturn void nx_die(int code, int err, const char *fmt, ...) {
    char what[768], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (err) snprintf(line, sizeof line, "strata-nsexec: %s: %s", what, strerror(err));
    else snprintf(line, sizeof line, "strata-nsexec: %s", what);
    nx_fail_line(code, line);
}

void *nx_alloc(size_t size) {
    void *p = calloc(1, size ? size : 1);
    if (!p) nx_die_errno("allocate %zu bytes", size);
    return p;
}

char *nx_strdup(const char *s) {
    char *d = strdup(s);
    if (!d) nx_die_errno("allocate");
    return d;
}

char *nx_path_join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = nx_alloc(n);
    while (*name == '/') name++;
    snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return p;
}

char *nx_read_file(const char *path, size_t max) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = nx_alloc(cap + 1);
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                close(fd);
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            char *bigger = realloc(buf, cap + 1);
            if (!bigger) nx_die_errno("allocate");
            buf = bigger;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            free(buf);
            errno = saved;
            return NULL;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    return buf;
}

int nx_write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int nx_write_atomic(const char *path, const char *text) {
    size_t n = strlen(path) + 32;
    char *tmp = nx_alloc(n);
    snprintf(tmp, n, "%s.tmp-%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int r = fd < 0 ? -1 : nx_write_all(fd, text, strlen(text));
    if (fd >= 0 && close(fd) < 0) r = -1;
    if (r == 0 && rename(tmp, path) < 0) r = -1;
    if (r < 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return r;
}
