// The overlay root seen from a guest: the image's files are readable, writes and deletes
// succeed and stay in the sandbox (the runner checks the host image is unchanged), and a
// symlink in the image pointing at an absolute host path resolves inside the guest tree.
// The runner gives a rootfs with etc/motd ("from the image\n"), etc/os-release, bin -> usr/bin,
// usr/bin/tool, and escape -> <a host file outside the rootfs>; `/` is preopened.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond, name)                                        \
  do {                                                           \
    if (cond) printf("ok %s\n", name);                           \
    else { printf("FAIL %s (line %d)\n", name, __LINE__); failures++; } \
  } while (0)

static int slurp(const char *path, char *buffer, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t count = read(fd, buffer, size - 1);
  close(fd);
  if (count < 0) return -1;
  buffer[count] = 0;
  return (int)count;
}

static int listed(const char *directory, const char *name) {
  DIR *dir = opendir(directory);
  if (!dir) return -1;
  int found = 0;
  for (struct dirent *entry; (entry = readdir(dir));) found |= strcmp(entry->d_name, name) == 0;
  closedir(dir);
  return found;
}

int main(void) {
  char text[256];
  CHECK(slurp("/etc/motd", text, sizeof text) > 0 && strcmp(text, "from the image\n") == 0, "an image file is readable");
  CHECK(slurp("/bin/tool", text, sizeof text) > 0 && strcmp(text, "tool\n") == 0, "a relative symlink in the image resolves");
  errno = 0;
  CHECK(slurp("/escape", text, sizeof text) < 0 && errno == ENOENT, "a symlink to a host path outside the image is not followed to the host");

  FILE *file = fopen("/etc/motd", "a");
  CHECK(file && fputs("and the sandbox\n", file) >= 0 && fclose(file) == 0, "append to an image file");
  CHECK(slurp("/etc/motd", text, sizeof text) > 0 && strcmp(text, "from the image\nand the sandbox\n") == 0, "the copy-up keeps the image bytes first");

  CHECK(unlink("/etc/os-release") == 0, "delete an image file");
  struct stat st;
  CHECK(stat("/etc/os-release", &st) != 0 && errno == ENOENT, "the deleted file is gone");
  CHECK(listed("/etc", "os-release") == 0 && listed("/etc", "motd") == 1, "the listing hides the deleted name (whiteout)");
  CHECK(mkdir("/var", 0755) == 0 && mkdir("/var/log", 0755) == 0, "new directories in the upper layer");
  file = fopen("/var/log/app.log", "w");
  CHECK(file && fputs("started\n", file) >= 0 && fclose(file) == 0, "a new file in the upper layer");
  CHECK(rename("/usr/bin/tool", "/var/tool") == 0 && stat("/usr/bin/tool", &st) != 0, "rename an image file");
  CHECK(slurp("/var/tool", text, sizeof text) > 0 && strcmp(text, "tool\n") == 0, "the renamed file keeps its bytes");
  CHECK(rmdir("/usr/bin") == 0 && mkdir("/usr/bin", 0755) == 0 && listed("/usr/bin", "tool") == 0, "a re-created image directory is opaque");
  return failures == 0 ? 0 : 1;
}
