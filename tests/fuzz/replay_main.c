/* replay_main.c - runs a libFuzzer target over stored inputs, without libFuzzer.
 *
 * Linked with any tests/fuzz/fuzz_<parser>.c so its corpus runs under plain
 * ctest and in every build (gcc, valgrind, ASan), as SQLite's fuzzcheck does.
 * Each argument is a file or a directory; directories are walked recursively
 * in sorted order so runs are deterministic, and every regular file is fed
 * to LLVMFuzzerTestOneInput() in a heap buffer of exactly its size, so an
 * over-read is caught by ASan or valgrind. Hidden entries (".gitkeep",
 * editor files) are not inputs.
 *
 * Exit 0 after "replayed N inputs from PATH" for each argument; exit 1 if a
 * path is missing or unreadable, or if a directory holds no input at all, so
 * a corpus cannot silently vanish and still pass. A target that finds a bug
 * aborts, which fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deeper than any corpus; stops a symlink loop from recursing forever. */
#define REPLAY_MAX_DEPTH 32

/* Reads path whole into an exact-size heap buffer and runs the target on it.
 * Returns 0 or -1 (message printed). */
static int replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t chunk[4096];
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		uint8_t *grown;

		if (n == 0)
			break;
		if (size + n > cap) {
			cap = (size + n) * 2;
			grown = realloc(data, cap);
			if (!grown) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				goto out;
			}
			data = grown;
		}
		memcpy(data + size, chunk, n);
		size += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		goto out;
	}
	/* shrink to exactly size bytes so reading past the end is detectable;
	 * an empty input still gets a valid pointer, as libFuzzer gives */
	{
		uint8_t *exact = malloc(size ? size : 1);

		if (!exact) {
			fprintf(stderr, "replay: %s: out of memory\n", path);
			goto out;
		}
		if (size)
			memcpy(exact, data, size);
		free(data);
		data = exact;
	}
	LLVMFuzzerTestOneInput(data, size);
	(*count)++;
	rc = 0;
out:
	free(data);
	fclose(f);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, size_t *count, int depth);

/* Replays every non-hidden entry of dir, sorted by name. */
static int replay_dir(const char *dir, size_t *count, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > REPLAY_MAX_DEPTH) {
		fprintf(stderr, "replay: %s: directories nested too deep\n", dir);
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = -1;
				break;
			}
			names = grown;
		}
		names[n] = malloc(strlen(dir) + 1 + strlen(e->d_name) + 1);
		if (!names[n]) {
			rc = -1;
			break;
		}
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (rc)
		fprintf(stderr, "replay: %s: out of memory\n", dir);
	else if (n)
		qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = replay_path(names[i], count, depth + 1);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int replay_path(const char *path, size_t *count, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, count, depth);
	if (S_ISREG(st.st_mode))
		return replay_file(path, count);
	return 0; /* sockets, fifos, devices: not inputs */
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		size_t count = 0;

		if (replay_path(argv[i], &count, 0) != 0)
			return 1;
		if (count == 0) {
			fprintf(stderr, "replay: %s: no inputs found (is the corpus missing?)\n", argv[i]);
			return 1;
		}
		printf("replayed %zu inputs from %s\n", count, argv[i]);
	}
	return 0;
}
