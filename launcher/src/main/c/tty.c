/* process.terminal: the helper relays between its own stdio and the master of the pty made inside the container.
 * Its own tty (when stdin is one) goes to raw mode so that keys reach the container as typed; restored at exit. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios;

static void restore_termios(void) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

void nx_relay_start(struct nx_relay *r, int master) {
    r->master = master;
    r->stdin_open = true;
    r->pending_len = r->pending_off = 0;
    int flags = fcntl(master, F_GETFL);
    if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0) nx_die_errno("make the pty master non-blocking");
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
        struct termios raw = saved_termios;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) atexit(restore_termios);
    }
    nx_relay_winsize(r);
}

void nx_relay_winsize(const struct nx_relay *r) {
    struct winsize ws;
    if (r->master >= 0 && isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(r->master, TIOCSWINSZ, &ws);
}

bool nx_relay_output(struct nx_relay *r) {
    char buf[8192];
    ssize_t n = read(r->master, buf, sizeof buf);
    if (n > 0) {
        nx_write_all(STDOUT_FILENO, buf, (size_t)n); /* a closed stdout drops the output, the container goes on */
        return true;
    }
    return n < 0 && (errno == EINTR || errno == EAGAIN);
}

void nx_relay_flush_input(struct nx_relay *r) {
    while (r->pending_off < r->pending_len) {
        ssize_t n = write(r->master, r->pending + r->pending_off, r->pending_len - r->pending_off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) { /* the pty is gone: the input has nowhere to go */
            r->pending_off = r->pending_len;
            break;
        }
        r->pending_off += (size_t)n;
    }
    r->pending_len = r->pending_off = 0;
}

void nx_relay_input(struct nx_relay *r) {
    if (r->pending_len) return;
    ssize_t n = read(STDIN_FILENO, r->pending, sizeof r->pending);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        r->stdin_open = false;
        return;
    }
    r->pending_len = (size_t)n;
    nx_relay_flush_input(r);
}

void nx_relay_drain(struct nx_relay *r) {
    if (r->master < 0) return;
    char buf[8192];
    ssize_t n;
    while ((n = read(r->master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) nx_write_all(STDOUT_FILENO, buf, (size_t)n);
}
