// Files through libc (stdio and POSIX calls on paths relative to the working directory,
// which wasi-libc matches against the preopen names): fopen, lseek after buffered reads,
// pread, pwrite at offsets, O_APPEND with pwrite, st_dev/st_ino, and fdopendir/readdir
// against fstatat.
// Run as: libc_files.wasm, with the host directory below preopened as fs-tests.dir:
//   file           "Hello, file\n"
//   lseek.txt      "01234567"
//   pread.txt      "pread-test\n"
//   fopendir.dir/  file-0, file-1
//   writeable/     (empty)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

static void stdio_files(void) {
  FILE *file = fopen("fs-tests.dir/file", "r");
  CHECK(file != NULL, "fopen a file for reading");
  char line[32] = {0};
  CHECK(file != NULL && fgets(line, sizeof line, file) != NULL && strcmp(line, "Hello, file\n") == 0, "fgets reads its line");
  CHECK(file != NULL && fclose(file) == 0, "fclose");
  errno = 0;
  CHECK(fopen("fs-tests.dir/missing", "r") == NULL && errno == ENOENT, "fopen of a missing file is ENOENT");

  file = fopen("fs-tests.dir/lseek.txt", "r");
  CHECK(file != NULL, "fopen lseek.txt");
  if (file == NULL) return;
  int fd = fileno(file);
  char buffer[4];
  CHECK(fread(buffer, 1, 4, file) == 4, "fread 4 bytes");
  fflush(file);
  CHECK(lseek(fd, 0, SEEK_CUR) == 4, "after fflush the fd's offset is 4");
  CHECK(fread(buffer, 1, 1, file) == 1 && buffer[0] == '4', "fread the fifth byte");
  fflush(file);
  CHECK(lseek(fd, 0, SEEK_CUR) == 5, "after fflush the fd's offset is 5");
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek to the start");
  CHECK(lseek(fd, 0, SEEK_END) == 8, "lseek to the end gives the size");
  errno = 0;
  CHECK(lseek(fd, -9, SEEK_END) == -1 && errno == EINVAL, "lseek before the start is EINVAL");
  fclose(file);
}

static void positional(void) {
  int fd = open("fs-tests.dir/pread.txt", O_RDONLY);
  CHECK(fd > 2, "open pread.txt read-only");
  char buffer[16] = {0};
  CHECK(pread(fd, buffer, 3, 4) == 3 && memcmp(buffer, "d-t", 3) == 0, "pread 3 bytes at offset 4");
  CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pread leaves the offset");
  errno = 0;
  CHECK(write(fd, "x", 1) == -1 && errno == EBADF, "write to a read-only fd is EBADF");
  CHECK(close(fd) == 0, "close");
  errno = 0;
  CHECK(close(fd) == -1 && errno == EBADF, "close twice is EBADF");

  const char *path = "fs-tests.dir/writeable/pwrite.txt";
  CHECK(access(path, F_OK) != 0 && errno == ENOENT, "access says the file does not exist yet");
  fd = open(path, O_WRONLY | O_CREAT, 0644);
  CHECK(fd > 2, "create it write-only");
  CHECK(pwrite(fd, "very long text", 14, 0) == 14, "pwrite 14 bytes at 0");
  CHECK(pwrite(fd, "test", 4, 3) == 4, "pwrite 4 bytes at 3");
  CHECK(close(fd) == 0, "close the writer");
  CHECK(access(path, R_OK | W_OK) == 0, "access says it exists");
  fd = open(path, O_RDONLY);
  memset(buffer, 0, sizeof buffer);
  CHECK(fd > 2 && read(fd, buffer, sizeof buffer) == 14 && strcmp(buffer, "vertestng text") == 0, "read back the patched text");
  close(fd);
  CHECK(remove(path) == 0, "remove the file");
  CHECK(access(path, F_OK) != 0, "it is gone");

  path = "fs-tests.dir/writeable/append.txt";
  fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
  CHECK(fd > 2, "create a file with O_APPEND");
  CHECK(write(fd, "ab", 2) == 2, "write 2 bytes");
  CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek to the start");
  CHECK(write(fd, "cd", 2) == 2 && lseek(fd, 0, SEEK_CUR) == 4, "O_APPEND writes at the end");
  CHECK(pwrite(fd, "efg", 3, 0) == 3, "pwrite 3 bytes at 0");
  CHECK(lseek(fd, 0, SEEK_CUR) == 4, "pwrite leaves the offset");
  CHECK(lseek(fd, 0, SEEK_END) == 7, "with O_APPEND, pwrite appends too (as on Linux)");
  CHECK(fcntl(fd, F_GETFL) & O_APPEND, "F_GETFL reports O_APPEND");
  close(fd);
  CHECK(unlink(path) == 0, "unlink the append file");
}

static void identities(void) {
  int a = open("fs-tests.dir/file", O_RDONLY);
  int b = open("fs-tests.dir/lseek.txt", O_RDONLY);
  struct stat a_stat, b_stat, path_stat;
  CHECK(a > 2 && b > 2 && fstat(a, &a_stat) == 0 && fstat(b, &b_stat) == 0, "fstat two files");
  CHECK(a_stat.st_dev == b_stat.st_dev, "files in one directory share st_dev");
  CHECK(a_stat.st_ino != b_stat.st_ino, "and have different st_ino");
  CHECK(stat("fs-tests.dir/file", &path_stat) == 0 && path_stat.st_ino == a_stat.st_ino && path_stat.st_dev == a_stat.st_dev, "stat by path agrees with fstat");
  CHECK(S_ISREG(a_stat.st_mode) && a_stat.st_size == 12 && a_stat.st_nlink == 1, "a regular file of 12 bytes with one link");
  close(a);
  close(b);
}

static void directories(void) {
  int dfd = open("fs-tests.dir/fopendir.dir", O_RDONLY | O_DIRECTORY);
  CHECK(dfd > 2, "open a directory with O_DIRECTORY");
  DIR *dir = fdopendir(dfd);
  CHECK(dir != NULL, "fdopendir");
  if (dir == NULL) return;
  int seen[2] = {0, 0}, dots = 0, strangers = 0, inodes_match = 1, types_match = 1;
  ino_t inodes[2] = {0, 0};
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
      dots++;
      continue;
    }
    int which = strcmp(entry->d_name, "file-0") == 0 ? 0 : strcmp(entry->d_name, "file-1") == 0 ? 1 : -1;
    if (which < 0) {
      strangers++;
      continue;
    }
    seen[which]++;
    inodes[which] = entry->d_ino;
    struct stat st;
    if (fstatat(dfd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_ino != entry->d_ino) inodes_match = 0;
    if (entry->d_type != DT_REG) types_match = 0;
  }
  CHECK(seen[0] == 1 && seen[1] == 1 && strangers == 0, "readdir lists file-0 and file-1 once each");
  CHECK(dots == 2, "and . and ..");
  CHECK(inodes_match, "each d_ino matches fstatat's st_ino");
  CHECK(types_match, "each d_type is DT_REG");
  CHECK(inodes[0] != inodes[1], "the two files have different inodes");
  rewinddir(dir);
  int again = 0;
  while (readdir(dir) != NULL) again++;
  CHECK(again == 4, "rewinddir lists the four entries again");
  CHECK(closedir(dir) == 0, "closedir");
  errno = 0;
  CHECK(opendir("fs-tests.dir/file") == NULL && errno == ENOTDIR, "opendir of a file is ENOTDIR");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  stdio_files();
  positional();
  identities();
  directories();
  return failures == 0 ? 0 : 1;
}
