// args_* and environ_*: the guest sees exactly the argv and environment it was given,
// quotes, spaces, newlines and UTF-8 included, laid out as args_sizes_get says.
// Run as: args_environ.wasm first 'the "second" arg' 3 'two words'
//   with env A=1, EMPTY=, UNICODE=é, QUOTED='escap " ing', NEWLINE='new<LF>line'
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

static const char *const ARGS[] = {"first", "the \"second\" arg", "3", "two words"};
static const char *const ENV[] = {"A=1", "EMPTY=", "UNICODE=\xc3\xa9", "QUOTED=escap \" ing", "NEWLINE=new\nline"};
#define ARG_COUNT (sizeof ARGS / sizeof ARGS[0])
#define ENV_COUNT (sizeof ENV / sizeof ENV[0])

// Checks a {pointers, strings} pair as args_get/environ_get fill it: `count` pointers into
// one buffer of `size` bytes holding the NUL-terminated strings back to back.
static int packed(char **pointers, char *buffer, size_t count, size_t size) {
  char *next = buffer;
  for (size_t i = 0; i < count; i++) {
    if (pointers[i] != next) return 0;
    next += strlen(pointers[i]) + 1;
  }
  return next == buffer + size;
}

static int has_env(const char *entry, char **list, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(list[i], entry) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  CHECK(argc == (int)ARG_COUNT + 1, "argc counts argv[0] and four arguments");
  int same = argc == (int)ARG_COUNT + 1;
  for (size_t i = 0; same && i < ARG_COUNT; i++) same = strcmp(argv[i + 1], ARGS[i]) == 0;
  CHECK(same, "every argument arrives byte for byte");
  __wasi_size_t count = 0, size = 0;
  CHECK(__wasi_args_sizes_get(&count, &size) == 0 && count == ARG_COUNT + 1, "args_sizes_get counts five arguments");
  size_t expected = 0;
  for (int i = 0; i < argc; i++) expected += strlen(argv[i]) + 1;
  CHECK(size == expected, "args_sizes_get counts the NUL of every argument");
  char **pointers = calloc(count + 1, sizeof(char *));
  char *buffer = malloc(size + 1);
  buffer[size] = '#';
  CHECK(__wasi_args_get((uint8_t **)pointers, (uint8_t *)buffer) == 0, "args_get");
  CHECK(packed(pointers, buffer, count, size) && buffer[size] == '#', "args_get packs the strings back to back in exactly size bytes");
  CHECK(strcmp(pointers[2], ARGS[1]) == 0, "args_get gives the quoted argument");
  free(pointers);
  free(buffer);

  CHECK(getenv("A") != NULL && strcmp(getenv("A"), "1") == 0, "environment A=1");
  CHECK(getenv("EMPTY") != NULL && getenv("EMPTY")[0] == 0, "an empty value is kept");
  CHECK(getenv("UNICODE") != NULL && strcmp(getenv("UNICODE"), "\xc3\xa9") == 0, "a UTF-8 value");
  CHECK(getenv("QUOTED") != NULL && strcmp(getenv("QUOTED"), "escap \" ing") == 0, "a value with a quote");
  CHECK(getenv("NEWLINE") != NULL && strcmp(getenv("NEWLINE"), "new\nline") == 0, "a value with a newline");
  CHECK(getenv("HOME") == NULL && getenv("PATH") == NULL, "no host variable leaks in");
  int entries = 0;
  for (char **e = environ; *e; e++) entries++;
  CHECK(entries == (int)ENV_COUNT, "exactly the five variables given");
  CHECK(__wasi_environ_sizes_get(&count, &size) == 0 && count == ENV_COUNT, "environ_sizes_get counts five variables");
  expected = 0;
  for (size_t i = 0; i < ENV_COUNT; i++) expected += strlen(ENV[i]) + 1;
  CHECK(size == expected, "environ_sizes_get counts KEY=VALUE and a NUL for each");
  pointers = calloc(count + 1, sizeof(char *));
  buffer = malloc(size + 1);
  buffer[size] = '#';
  CHECK(__wasi_environ_get((uint8_t **)pointers, (uint8_t *)buffer) == 0, "environ_get");
  CHECK(packed(pointers, buffer, count, size) && buffer[size] == '#', "environ_get packs the strings back to back in exactly size bytes");
  int all = 1;
  for (size_t i = 0; i < ENV_COUNT; i++) all = all && has_env(ENV[i], pointers, count);
  CHECK(all, "environ_get gives every KEY=VALUE");
  free(pointers);
  free(buffer);
  return failures == 0 ? 0 : 1;
}
