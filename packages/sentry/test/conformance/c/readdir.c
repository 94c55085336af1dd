// fd_readdir: `.` and `..` in every listing (with their inode numbers and types), entries
// matching fstat, cookies that resume after any entry, a buffer filled to the last byte
// whenever entries remain (the caller's only sign that there is more), and a directory of
// a thousand files paged through a 256-byte buffer.
// Run as: readdir.wasm SCRATCH, where SCRATCH names a preopened host directory.
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
#define ERRNO(expr, want, name)                                                          \
  do {                                                                                   \
    __wasi_errno_t got_ = (expr);                                                        \
    if (got_ == (want)) printf("ok %s\n", name);                                         \
    else { printf("FAIL %s: got %d want %d (line %d)\n", name, got_, want, __LINE__); failures++; } \
  } while (0)

static const __wasi_rights_t DIRECTORY_RIGHTS = __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_CREATE_FILE |
    __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_GET |
    __WASI_RIGHTS_PATH_REMOVE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE;
static const __wasi_rights_t ALL_RIGHTS = ((__wasi_rights_t)1 << 28) - 1;
#define BUFFER_SIZE 256
#define MANY 1000

static __wasi_fd_t preopen(const char *name) {
  for (__wasi_fd_t fd = 3; fd < 64; fd++) {
    __wasi_prestat_t prestat;
    if (__wasi_fd_prestat_get(fd, &prestat) != 0) continue;
    char buffer[256] = {0};
    if (prestat.u.dir.pr_name_len >= sizeof buffer) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)buffer, prestat.u.dir.pr_name_len) != 0) continue;
    if (strcmp(buffer, name) == 0) return fd;
  }
  return (__wasi_fd_t)-1;
}

typedef struct {
  __wasi_dirent_t dirent;
  char name[64];
} entry_t;

// One fd_readdir call: the whole entries it returned, and whether the buffer came back
// short (the end of the directory).
typedef struct {
  __wasi_errno_t error;
  int count;
  int end;
  entry_t entries[BUFFER_SIZE / sizeof(__wasi_dirent_t) + 1];
} page_t;

static page_t page;

static void read_page(__wasi_fd_t dir, __wasi_dircookie_t cookie) {
  static uint8_t buffer[BUFFER_SIZE];
  __wasi_size_t used = 0;
  memset(&page, 0, sizeof page);
  page.error = __wasi_fd_readdir(dir, buffer, BUFFER_SIZE, cookie, &used);
  if (page.error != 0) return;
  page.end = used < BUFFER_SIZE;
  size_t at = 0;
  while (at + sizeof(__wasi_dirent_t) <= used) {
    entry_t *entry = &page.entries[page.count];
    memcpy(&entry->dirent, buffer + at, sizeof(__wasi_dirent_t));
    if (at + sizeof(__wasi_dirent_t) + entry->dirent.d_namlen > used) break;
    size_t length = entry->dirent.d_namlen < sizeof entry->name - 1 ? entry->dirent.d_namlen : sizeof entry->name - 1;
    memcpy(entry->name, buffer + at + sizeof(__wasi_dirent_t), length);
    entry->name[length] = 0;
    at += sizeof(__wasi_dirent_t) + entry->dirent.d_namlen;
    page.count++;
  }
}

static const entry_t *find(const char *name) {
  for (int i = 0; i < page.count; i++)
    if (strcmp(page.entries[i].name, name) == 0) return &page.entries[i];
  return NULL;
}

static void small_listings(__wasi_fd_t dir) {
  __wasi_filestat_t dir_stat, file_stat;
  ERRNO(__wasi_fd_filestat_get(dir, &dir_stat), 0, "fstat the directory");
  read_page(dir, 0);
  ERRNO(page.error, 0, "readdir of an empty directory");
  CHECK(page.end, "an empty directory fits one buffer");
  CHECK(page.count == 2, "an empty directory lists two entries");
  const entry_t *dot = find("."), *dotdot = find("..");
  CHECK(dot != NULL && dot->dirent.d_type == __WASI_FILETYPE_DIRECTORY && dot->dirent.d_namlen == 1, ". is listed as a directory");
  CHECK(dot != NULL && dot->dirent.d_ino == dir_stat.ino, ". has the directory's inode number");
  CHECK(dotdot != NULL && dotdot->dirent.d_type == __WASI_FILETYPE_DIRECTORY && dotdot->dirent.d_namlen == 2, ".. is listed as a directory");

  __wasi_fd_t file;
  ERRNO(__wasi_path_open(dir, 0, "file", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET, 0, 0, &file), 0, "create a file");
  ERRNO(__wasi_fd_filestat_get(file, &file_stat), 0, "fstat the file");
  (void)__wasi_fd_close(file);
  read_page(dir, 0);
  CHECK(page.error == 0 && page.end && page.count == 3, "the listing now has three entries");
  const entry_t *entry = find("file");
  CHECK(entry != NULL && entry->dirent.d_type == __WASI_FILETYPE_REGULAR_FILE, "the file is listed as a regular file");
  CHECK(entry != NULL && entry->dirent.d_ino == file_stat.ino, "the file's entry has its inode number");
  CHECK(page.entries[0].dirent.d_next != page.entries[1].dirent.d_next && page.entries[1].dirent.d_next != page.entries[2].dirent.d_next, "every entry has its own cookie");
  char last[64];
  strcpy(last, page.entries[2].name);
  __wasi_dircookie_t resume = page.entries[1].dirent.d_next;
  read_page(dir, resume);
  CHECK(page.error == 0 && page.end && page.count == 1, "resuming after the second entry lists one entry");
  CHECK(page.count == 1 && strcmp(page.entries[0].name, last) == 0, "and it is the third entry");
  read_page(dir, 1000);
  CHECK(page.error == 0 && page.count == 0 && page.end, "a cookie past the end lists nothing");
  ERRNO(__wasi_path_unlink_file(dir, "file"), 0, "unlink the file");
  read_page(dir, 0);
  CHECK(page.error == 0 && page.count == 2 && find("file") == NULL, "a removed file leaves the listing");
}

static void many(__wasi_fd_t dir) {
  static unsigned char seen[MANY];
  char name[32];
  int created = 0;
  for (int i = 0; i < MANY; i++) {
    __wasi_fd_t file;
    snprintf(name, sizeof name, "file.%d", i);
    if (__wasi_path_open(dir, 0, name, __WASI_OFLAGS_CREAT, 0, 0, 0, &file) == 0) {
      (void)__wasi_fd_close(file);
      created++;
    }
  }
  CHECK(created == MANY, "create a thousand files");
  int total = 0, dots = 0, pages = 0, full_pages = 1, duplicates = 0, strangers = 0;
  __wasi_dircookie_t cookie = 0;
  for (;;) {
    read_page(dir, cookie);
    if (page.error != 0 || pages++ > 2 * MANY) break;
    // A short buffer ends the listing; a full one must have been filled to the last byte.
    for (int i = 0; i < page.count; i++) {
      const char *entry = page.entries[i].name;
      int number = -1;
      if (strcmp(entry, ".") == 0 || strcmp(entry, "..") == 0) dots++;
      else if (sscanf(entry, "file.%d", &number) == 1 && number >= 0 && number < MANY) duplicates += seen[number]++ != 0;
      else strangers++;
    }
    total += page.count;
    if (page.end) break;
    if (page.count == 0) {
      full_pages = 0;
      break;
    }
    cookie = page.entries[page.count - 1].dirent.d_next;
  }
  ERRNO(page.error, 0, "readdir pages through the large directory");
  CHECK(full_pages, "every non-final page holds at least one whole entry");
  CHECK(total == MANY + 2, "a thousand files plus . and .. are listed");
  CHECK(dots == 2 && duplicates == 0 && strangers == 0, "each name exactly once");
  CHECK(pages > 50, "through many pages of 256 bytes");
  int removed = 0;
  for (int i = 0; i < MANY; i++) {
    snprintf(name, sizeof name, "file.%d", i);
    removed += __wasi_path_unlink_file(dir, name) == 0;
  }
  CHECK(removed == MANY, "unlink the thousand files");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *scratch = argc > 1 ? argv[1] : "scratch";
  __wasi_fd_t base = preopen(scratch);
  CHECK(base != (__wasi_fd_t)-1, "the scratch directory is preopened");
  __wasi_fd_t dir, file;
  ERRNO(__wasi_path_create_directory(base, "readdir.work"), 0, "mkdir a work directory");
  ERRNO(__wasi_path_open(base, 0, "readdir.work", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, &dir), 0, "open it");
  small_listings(dir);
  many(dir);
  ERRNO(__wasi_path_open(base, 0, "readdir.work", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, 0, &file), 0, "open the directory without FD_READDIR");
  uint8_t buffer[64];
  __wasi_size_t used = 0;
  ERRNO(__wasi_fd_readdir(file, buffer, sizeof buffer, 0, &used), __WASI_ERRNO_BADF, "readdir without FD_READDIR is EBADF");
  (void)__wasi_fd_close(file);
  ERRNO(__wasi_fd_close(dir), 0, "close the work directory");
  ERRNO(__wasi_path_remove_directory(base, "readdir.work"), 0, "the work directory is empty again");
  return failures == 0 ? 0 : 1;
}
