/* io/fdio.c - see fdio.h. */
#include "io/fdio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

/* The loop of both: a read stops at end of file, a write that moves
 * nothing is an error. */
static int fd_all(int fd, char *p, size_t len, size_t *done, bool writing)
{
	size_t n = 0;
	int rc = 0;

	while (n < len) {
		ssize_t r = writing ? write(fd, p + n, len - n) : read(fd, p + n, len - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : writing ? -EIO : 0;
			break;
		}
		n += (size_t)r;
	}
	if (done)
		*done = n;
	return rc;
}

int cs_fd_read_all(int fd, void *buf, size_t cap, size_t *len)
{
	return fd_all(fd, buf, cap, len, false);
}

int cs_fd_write_all(int fd, const void *buf, size_t len, size_t *done)
{
	/* not written through: the pointer is only passed to write() */
	return fd_all(fd, (char *)(uintptr_t)buf, len, done, true);
}
