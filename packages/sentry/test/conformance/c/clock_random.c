// clock_res_get, clock_time_get (nanosecond precision, monotonic never decreasing), and random_get.
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
  __wasi_timestamp_t resolution = 0, a = 0, b = 0;
  CHECK(__wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &resolution) == 0 && resolution > 0 && resolution <= 1000000, "realtime resolution at most 1 ms");
  CHECK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &resolution) == 0 && resolution > 0, "monotonic resolution");
  CHECK(__wasi_clock_res_get(99, &resolution) == __WASI_ERRNO_INVAL, "unknown clock is EINVAL");
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &a) == 0 && a > 1600000000ull * 1000000000ull, "realtime is after 2020");
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &a) == 0, "monotonic reads");
  int nondecreasing = 1;
  for (int i = 0; i < 1000; i++) {
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &b);
    if (b < a) nondecreasing = 0;
    a = b;
  }
  CHECK(nondecreasing, "monotonic never goes back");
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &a) == 0, "monotonic reads with precision 0");
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &b) == 0 && b >= a, "and again, not earlier");
  struct timespec ts;
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "clock_gettime nanoseconds field");
  CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "clock_gettime of CLOCK_MONOTONIC");
  CHECK(clock_getres(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec > 0, "clock_getres of CLOCK_REALTIME");
  CHECK(clock_getres(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec > 0, "clock_getres of CLOCK_MONOTONIC");
  __wasi_timestamp_t cpu = 0;
  CHECK(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &cpu) == 0, "the process CPU-time clock reads");
  CHECK(__wasi_clock_time_get(42, 1, &a) == __WASI_ERRNO_INVAL, "clock_time_get of an unknown clock is EINVAL");

  unsigned char buffer[4096];
  memset(buffer, 0, sizeof buffer);
  CHECK(__wasi_random_get(buffer, sizeof buffer) == 0, "random_get 4 KiB");
  int zeros = 0;
  for (size_t i = 0; i < sizeof buffer; i++) zeros += buffer[i] == 0;
  CHECK(zeros < 100, "random bytes are not all zero");
  CHECK(__wasi_random_get(buffer, 0) == 0, "random_get of zero bytes");
  unsigned char kilobyte[1024];
  memset(kilobyte, 0, sizeof kilobyte);
  CHECK(__wasi_random_get(kilobyte, sizeof kilobyte) == 0, "random_get of 1024 bytes");
  int any = 0;
  for (size_t i = 0; i < sizeof kilobyte; i++) any |= kilobyte[i];
  CHECK(any != 0, "1024 random bytes are not all zero");
  static unsigned char big[300000];
  CHECK(__wasi_random_get(big, sizeof big) == 0 && big[sizeof big - 1] + big[sizeof big - 2] + big[sizeof big - 3] != 0, "random_get beyond 64 KiB fills the end");
  return failures == 0 ? 0 : 1;
}
