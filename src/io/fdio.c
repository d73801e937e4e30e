/* io/fdio.c - see fdio.h. */
#include "io/fdio.h"

#include <errno.h>
#include <unistd.h>

int cs_fd_read_all(int fd, void *buf, size_t cap, size_t *len)
{
	char *p = buf;
	size_t n = 0;
	int rc = 0;

	while (n < cap) {
		ssize_t r = read(fd, p + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return rc;
}

int cs_fd_write_all(int fd, const void *buf, size_t len, size_t *done)
{
	const char *p = buf;
	size_t n = 0;
	int rc = 0;

	while (n < len) {
		ssize_t w = write(fd, p + n, len - n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		n += (size_t)w;
	}
	if (done)
		*done = n;
	return rc;
}
