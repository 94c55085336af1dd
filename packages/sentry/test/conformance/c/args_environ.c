// args_* and environ_*: the guest sees exactly the argv and environment it was given.
// Run as: args_environ.wasm /sandbox alpha "two words" with env A=1, EMPTY=, UNICODE=é
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

extern char **environ;

int main(int argc, char **argv) {
  CHECK(argc == 4, "argc counts argv[0] and three arguments");
  CHECK(argc > 3 && strcmp(argv[2], "alpha") == 0, "argv[2] is alpha");
  CHECK(argc > 3 && strcmp(argv[3], "two words") == 0, "argv[3] keeps its space");
  __wasi_size_t count = 0, size = 0;
  CHECK(__wasi_args_sizes_get(&count, &size) == 0 && count == 4, "args_sizes_get count");
  size_t expected = 0;
  for (int i = 0; i < argc; i++) expected += strlen(argv[i]) + 1;
  CHECK(size == expected, "args_sizes_get counts the NUL of every argument");

  CHECK(getenv("A") != NULL && strcmp(getenv("A"), "1") == 0, "environment A=1");
  CHECK(getenv("EMPTY") != NULL && getenv("EMPTY")[0] == 0, "empty value is kept");
  CHECK(getenv("UNICODE") != NULL && strcmp(getenv("UNICODE"), "\xc3\xa9") == 0, "UTF-8 value");
  CHECK(getenv("HOME") == NULL && getenv("PATH") == NULL, "no host variable leaks in");
  int entries = 0;
  for (char **e = environ; *e; e++) entries++;
  CHECK(entries == 3, "exactly the three variables given");
  CHECK(__wasi_environ_sizes_get(&count, &size) == 0 && count == 3, "environ_sizes_get count");
  return failures == 0 ? 0 : 1;
}
