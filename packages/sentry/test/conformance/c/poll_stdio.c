// poll_oneoff on the standard streams: stdin ready for reading (or the clock firing first),
// stdout and stderr ready for writing, each event with its userdata, type and no error.
// Run as: poll_stdio.wasm null   (stdin is /dev/null: ready at once, reads end of file)
//     or: poll_stdio.wasm data   (stdin is a pipe holding "ping\n")
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

static const __wasi_userdata_t CLOCK_ID = 0x12345678;
static const __wasi_userdata_t STDIN_ID = 0x87654321;
// Long enough not to fire before a ready stream is noticed, even on a slow machine.
static const __wasi_timestamp_t TIMEOUT = 2000000000ull;

static void clock_subscription(__wasi_subscription_t *subscription) {
  memset(subscription, 0, sizeof *subscription);
  subscription->userdata = CLOCK_ID;
  subscription->u.tag = __WASI_EVENTTYPE_CLOCK;
  subscription->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscription->u.u.clock.timeout = TIMEOUT;
}

static void fd_subscription(__wasi_subscription_t *subscription, __wasi_userdata_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
  memset(subscription, 0, sizeof *subscription);
  subscription->userdata = userdata;
  subscription->u.tag = type;
  if (type == __WASI_EVENTTYPE_FD_READ) subscription->u.u.fd_read.file_descriptor = fd;
  else subscription->u.u.fd_write.file_descriptor = fd;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int data = argc > 1 && strcmp(argv[1], "data") == 0;
  __wasi_subscription_t subscriptions[3];
  __wasi_event_t events[3];
  __wasi_size_t count = 0;

  clock_subscription(&subscriptions[0]);
  fd_subscription(&subscriptions[1], STDIN_ID, __WASI_EVENTTYPE_FD_READ, 0);
  CHECK(__wasi_poll_oneoff(subscriptions, events, 2, &count) == 0, "poll stdin for reading with a timeout");
  CHECK(count >= 1 && count <= 2, "at least one event");
  int stdin_ready = 0, clock_fired = 0, strange = 0;
  for (__wasi_size_t i = 0; i < count; i++) {
    if (events[i].userdata == STDIN_ID && events[i].type == __WASI_EVENTTYPE_FD_READ && events[i].error == 0) stdin_ready = 1;
    else if (events[i].userdata == CLOCK_ID && events[i].type == __WASI_EVENTTYPE_CLOCK && events[i].error == 0) clock_fired = 1;
    else strange = 1;
  }
  CHECK(!strange, "every event carries its subscription's userdata and type, without error");
  CHECK(stdin_ready && !clock_fired, "stdin is ready before the timeout");

  // Without a timeout, poll waits for stdin alone.
  CHECK(__wasi_poll_oneoff(&subscriptions[1], events, 1, &count) == 0 && count == 1, "poll stdin alone");
  CHECK(events[0].userdata == STDIN_ID && events[0].error == 0, "stdin is ready");
  if (data) CHECK(events[0].fd_readwrite.nbytes > 0, "a pipe with data reports bytes to read");
  char buffer[16] = {0};
  __wasi_iovec_t iov = {(uint8_t *)buffer, sizeof buffer};
  __wasi_size_t n = 0;
  CHECK(__wasi_fd_read(0, &iov, 1, &n) == 0, "read stdin");
  if (data) CHECK(n == 5 && memcmp(buffer, "ping\n", 5) == 0, "stdin holds the piped bytes");
  else CHECK(n == 0, "/dev/null reads end of file");

  // stdout and stderr are writable; poll until both have said so.
  int stdout_ready = 0, stderr_ready = 0, rounds = 0, timed_out = 0;
  while ((!stdout_ready || !stderr_ready) && rounds++ < 10) {
    __wasi_size_t used = 0;
    if (!stdout_ready) fd_subscription(&subscriptions[used++], 1, __WASI_EVENTTYPE_FD_WRITE, 1);
    if (!stderr_ready) fd_subscription(&subscriptions[used++], 2, __WASI_EVENTTYPE_FD_WRITE, 2);
    clock_subscription(&subscriptions[used++]);
    if (__wasi_poll_oneoff(subscriptions, events, used, &count) != 0) break;
    for (__wasi_size_t i = 0; i < count; i++) {
      if (events[i].userdata == CLOCK_ID) timed_out = 1;
      else if (events[i].type != __WASI_EVENTTYPE_FD_WRITE || events[i].error != 0) strange = 1;
      else if (events[i].userdata == 1) stdout_ready = 1;
      else if (events[i].userdata == 2) stderr_ready = 1;
    }
    if (timed_out) break;
  }
  CHECK(stdout_ready && stderr_ready, "stdout and stderr are ready for writing");
  CHECK(!timed_out, "before the timeout");
  CHECK(!strange, "write events carry no error");
  return failures == 0 ? 0 : 1;
}
