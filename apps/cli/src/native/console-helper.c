/*
 * stasis-console: the native helper behind `--console-socket`.
 *
 * Node core can neither open a pseudoterminal nor pass a file descriptor over a unix socket,
 * and a runc-compatible runtime must do both when the container has a terminal: allocate a
 * pty, send its master to the caller's console socket with SCM_RIGHTS (payload: the slave's
 * name, as runc sends it), and give the slave to the container's process as its stdio and
 * controlling terminal. This program does exactly that and then execs the process, so the
 * pid the caller records is the process that ends up holding the container.
 *
 *   stasis-console --socket PATH [--rows N --cols N] -- PROGRAM [ARGS...]
 *
 * Exit status 125 when setting up the terminal fails (nothing was exec'd); the error goes to
 * stderr, which is still the caller's at that point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define SETUP_FAILED 125

static int fail(const char *what) {
  fprintf(stderr, "stasis-console: %s: %s\n", what, strerror(errno));
  return SETUP_FAILED;
}

static int connect_socket(const char *path) {
  struct sockaddr_un address;
  if (strlen(path) >= sizeof(address.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  strcpy(address.sun_path, path);
  if (connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static int send_fd(int socket_fd, int fd, const char *name) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  memset(control, 0, sizeof(control));
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &fd, sizeof(int));
  return sendmsg(socket_fd, &message, 0) < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  const char *socket_path = NULL;
  unsigned short rows = 0, cols = 0;
  int index = 1;
  for (; index < argc; index++) {
    if (strcmp(argv[index], "--") == 0) {
      index++;
      break;
    }
    if (index + 1 >= argc) break;
    if (strcmp(argv[index], "--socket") == 0) socket_path = argv[++index];
    else if (strcmp(argv[index], "--rows") == 0) rows = (unsigned short)atoi(argv[++index]);
    else if (strcmp(argv[index], "--cols") == 0) cols = (unsigned short)atoi(argv[++index]);
    else break;
  }
  if (socket_path == NULL || index >= argc) {
    fprintf(stderr, "usage: stasis-console --socket PATH [--rows N --cols N] -- PROGRAM [ARGS...]\n");
    return SETUP_FAILED;
  }

  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail("posix_openpt");
  if (grantpt(master) < 0) return fail("grantpt");
  if (unlockpt(master) < 0) return fail("unlockpt");
  char slave_name[128];
  if (ptsname_r(master, slave_name, sizeof(slave_name)) != 0) return fail("ptsname");
  if (rows > 0 && cols > 0) {
    struct winsize size = {.ws_row = rows, .ws_col = cols};
    if (ioctl(master, TIOCSWINSZ, &size) < 0) return fail("TIOCSWINSZ");
  }

  int console = connect_socket(socket_path);
  if (console < 0) return fail(socket_path);
  if (send_fd(console, master, slave_name) < 0) return fail("sending the pty master");
  close(console);
  close(master);

  /* A new session with the slave as its controlling terminal; Node's detached spawn may already have made us a session leader. */
  if (setsid() < 0 && errno != EPERM) return fail("setsid");
  int slave = open(slave_name, O_RDWR);
  if (slave < 0) return fail(slave_name);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return fail("TIOCSCTTY");
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(slave, fd) < 0) return fail("dup2");
  }
  if (slave > 2) close(slave);

  execvp(argv[index], &argv[index]);
  return fail(argv[index]);
}
