/* io/fdio.h - whole reads and writes on a plain file descriptor.
 *
 * read(2) and write(2) may move fewer bytes than asked and may be
 * interrupted by a signal (EINTR); every caller that reads a small file whole
 * (a token, a cache entry, a configuration file) or writes a buffer whole (a
 * JSON line, a cache entry) needs the same loop around them. These are that
 * loop, once. Not for the hot path: kernel counters are read with pread on
 * kept-open files (io/kfile.h).
 */
#ifndef CS_IO_FDIO_H
#define CS_IO_FDIO_H

#include <stddef.h>

/* Reads until end of file or until cap bytes are in buf (no NUL added);
 * *len gets the bytes read, also on error. Returns 0 or -errno. */
int cs_fd_read_all(int fd, void *buf, size_t cap, size_t *len);

/* Writes len bytes of buf; *done (may be NULL) gets the bytes written, also
 * on error. Returns 0 or -errno (-EIO when write returns 0). */
int cs_fd_write_all(int fd, const void *buf, size_t len, size_t *done);

#endif
