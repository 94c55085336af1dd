// poll_oneoff: expired clocks, sleeps (relative and absolute, nanosleep), the earliest of
// several timers winning, ready regular files, and bad fds as event errors.
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

int main(void) {
  __wasi_subscription_t subscriptions[3];
  __wasi_event_t events[3];
  __wasi_size_t count = 0;
  memset(subscriptions, 0, sizeof subscriptions);
  subscriptions[0].userdata = 11;
  subscriptions[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subscriptions[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscriptions[0].u.u.clock.timeout = 0;
  CHECK(__wasi_poll_oneoff(subscriptions, events, 1, &count) == 0 && count == 1, "a zero timeout fires at once");
  CHECK(events[0].userdata == 11 && events[0].type == __WASI_EVENTTYPE_CLOCK && events[0].error == 0, "the clock event carries its userdata");

  subscriptions[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
  subscriptions[0].u.u.clock.timeout = 1000;
  subscriptions[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  CHECK(__wasi_poll_oneoff(subscriptions, events, 1, &count) == 0 && count == 1, "an absolute time in the past fires at once");

  __wasi_timestamp_t before = 0, after = 0;
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before);
  subscriptions[0].userdata = 31;
  subscriptions[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscriptions[0].u.u.clock.timeout = 30 * 1000 * 1000;
  subscriptions[0].u.u.clock.flags = 0;
  subscriptions[1].userdata = 32;
  subscriptions[1].u.tag = __WASI_EVENTTYPE_CLOCK;
  subscriptions[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subscriptions[1].u.u.clock.timeout = 10 * 1000 * 1000;
  CHECK(__wasi_poll_oneoff(subscriptions, events, 2, &count) == 0 && count == 1 && events[0].userdata == 32, "the earliest of two sleeps wins alone");
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after);
  CHECK(after - before >= 10 * 1000 * 1000, "a 10 ms sleep lasts at least 10 ms");
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before);
  subscriptions[0].u.u.clock.timeout = before + 20 * 1000 * 1000;
  subscriptions[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  CHECK(__wasi_poll_oneoff(subscriptions, events, 1, &count) == 0 && count == 1 && events[0].userdata == 31, "an absolute monotonic deadline fires");
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after);
  CHECK(after >= before + 20 * 1000 * 1000, "not before its time");
  struct timespec nap = {0, 5 * 1000 * 1000};
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before);
  CHECK(nanosleep(&nap, NULL) == 0, "nanosleep");
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after);
  CHECK(after - before >= 5 * 1000 * 1000, "nanosleep sleeps");
  CHECK(__wasi_sched_yield() == 0, "sched_yield returns");
  memset(subscriptions, 0, sizeof subscriptions);

  __wasi_fd_t file;
  CHECK(__wasi_path_open(3, 0, "poll.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_POLL_FD_READWRITE, 0, 0, &file) == 0, "create a file");
  __wasi_ciovec_t data = {(const uint8_t *)"12345", 5};
  __wasi_size_t written;
  __wasi_fd_write(file, &data, 1, &written);
  subscriptions[0].userdata = 21;
  subscriptions[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  subscriptions[0].u.u.fd_write.file_descriptor = file;
  subscriptions[1].userdata = 22;
  subscriptions[1].u.tag = __WASI_EVENTTYPE_FD_READ;
  subscriptions[1].u.u.fd_read.file_descriptor = 99;
  CHECK(__wasi_poll_oneoff(subscriptions, events, 2, &count) == 0 && count == 2, "a file is writable and a bad fd reports at once");
  int writable = 0, badf = 0;
  for (__wasi_size_t i = 0; i < count; i++) {
    if (events[i].userdata == 21 && events[i].error == 0 && events[i].type == __WASI_EVENTTYPE_FD_WRITE) writable = 1;
    if (events[i].userdata == 22 && events[i].error == __WASI_ERRNO_BADF) badf = 1;
  }
  CHECK(writable, "the file is writable");
  CHECK(badf, "the closed fd is an EBADF event");
  CHECK(__wasi_poll_oneoff(subscriptions, events, 0, &count) == __WASI_ERRNO_INVAL, "no subscriptions is EINVAL");
  return failures == 0 ? 0 : 1;
}
