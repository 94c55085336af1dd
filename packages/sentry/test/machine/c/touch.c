// Writes argv[2] into the file argv[1] (creating it), then prints the file named argv[3], if
// given: a host directory mapped into the guest must see both directions.
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *out = fopen(argv[1], "w");
  if (!out) { perror(argv[1]); return 1; }
  fprintf(out, "%s\n", argv[2]);
  fclose(out);
  if (argc > 3) {
    FILE *in = fopen(argv[3], "r");
    if (!in) { perror(argv[3]); return 1; }
    char line[256];
    while (fgets(line, sizeof line, in)) fputs(line, stdout);
    fclose(in);
  }
  return 0;
}
