/* The messages between the helper and its child over an AF_UNIX SOCK_SEQPACKET pair: one message per send, a pty
 * master passed as SCM_RIGHTS. The child's end is CLOEXEC, so end of file without 'E' means execve succeeded. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void nx_sync_send(int fd, char kind, int code, const char *line, int pass_fd) {
    struct nx_message m = {.kind = kind, .code = code, .fd = -1};
    if (line) snprintf(m.line, sizeof m.line, "%s", line);
    struct iovec iov = {&m, offsetof(struct nx_message, line) + strlen(m.line) + 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    if (pass_fd >= 0) {
        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

bool nx_sync_recv(int fd, struct nx_message *m) {
    memset(m, 0, sizeof *m);
    struct iovec iov = {m, sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n;
    while ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (n <= 0) return false;
    m->fd = -1;
    m->line[sizeof m->line - 1] = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
    return true;
}
