// fd_write to stdout: exactly the five bytes "hello", no newline, nothing else. The runner
// compares stdout byte for byte instead of reading `ok` lines.
#include <stdint.h>
#include <wasi/api.h>

int main(void) {
  __wasi_ciovec_t iov = {(const uint8_t *)"hello", 5};
  __wasi_size_t written = 0;
  if (__wasi_fd_write(1, &iov, 1, &written) != 0 || written != 5) return 1;
  return 0;
}
