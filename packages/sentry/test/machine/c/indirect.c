// Syscalls reached only through function pointers (a comparator that prints, a handler
// table): Asyncify must instrument these indirect paths, or an unwind there corrupts state.
#include <stdio.h>
#include <stdlib.h>

static int compares;

static int loud_compare(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (++compares % 50 == 0) printf("compare %d: %d vs %d\n", compares, x, y);
  return (x > y) - (x < y);
}

static int quiet(int v) { return v * 3; }
static int noisy(int v) { printf("noisy %d\n", v); return v + 1; }
static int (*const handlers[])(int) = {quiet, noisy};

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  int *values = malloc(sizeof(int) * n);
  unsigned seed = 12345;
  for (int i = 0; i < n; i++) values[i] = (int)((seed = seed * 1103515245u + 12345u) >> 8) % 1000;
  qsort(values, n, sizeof(int), loud_compare);
  int total = 0;
  for (int i = 0; i < 10; i++) total += handlers[i & 1](values[i]);
  printf("sorted first %d last %d total %d compares %d\n", values[0], values[n - 1], total, compares);
  return 0;
}
