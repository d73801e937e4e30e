/* billing/source.c - plain, gzip, stdin and memory bill sources (see source.h).
 *
 * One inflater is compiled in: ISA-L igzip when CS_HAVE_ISAL (the build's
 * default when libisal is installed), else zlib. Both are driven the same
 * way: the compressed input is read in 256 KiB blocks, each gzip member is
 * inflated to its end (checksum verified by the library), and the next
 * member starts where it ended. Zero padding after the last member is
 * accepted (some tools pad to a block size); anything else is an error.
 */
#include "billing/source.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifdef CS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/why.h"

#define IN_CAP (256u * 1024u)
/* Inflated text handed from the inflater thread to the reader. Each block
 * has RING_HEAD free bytes before its text, where cs_bill_src_block puts the
 * unfinished record the reader kept from the previous block, and 64
 * readable bytes after it for the scanner's whole-block loads. */
#define RING_BLOCKS 4
#define RING_BLOCK  (1u << 20)
#define RING_HEAD   (64u << 10)
#define RING_SLACK  64

struct cs_bill_src {
	char name[256];
	int fd; /* -1 for memory */
	bool own_fd;
	bool gzip;
	bool in_member;     /* inside a gzip member (its end not reached) */
	bool eof_in;        /* no more compressed/plain input */
	const uint8_t *mem; /* memory source */
	size_t mem_len, mem_pos;
	uint8_t *inbuf;    /* compressed input block (gzip only) */
	const uint8_t *in; /* unread compressed bytes */
	size_t in_len;
	uint64_t bytes_in;
	char peek[4096]; /* text looked at by cs_bill_src_peek, returned first */
	int gz_err;      /* sticky error of the compressed stream */
	char gz_why[512];
	/* A gzip file is inflated on its own thread into a ring of blocks, so
	 * inflating (a third of a CUR's ingest time) overlaps the scanning. */
	bool threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t can_read, can_write;
	char *blk[RING_BLOCKS];
	size_t blk_len[RING_BLOCKS];
	unsigned head, count;  /* next block to read, blocks filled */
	size_t head_pos;       /* bytes of the head block already read */
	bool held;             /* the head block is handed out (cs_bill_src_block) */
	bool th_done, th_stop; /* inflater finished (or failed); reader gone */
	int th_rc;
	char th_why[512];
	size_t peek_len, peek_pos;
#ifdef CS_HAVE_ISAL
	struct inflate_state *st;
#else
	z_stream z;
	bool z_init;
#endif
};

const char *cs_bill_src_inflater(void)
{
#ifdef CS_HAVE_ISAL
	return "isa-l igzip";
#else
	return "zlib";
#endif
}

const char *cs_bill_src_name(const cs_bill_src *s)
{
	return s->name;
}

bool cs_bill_src_gzip(const cs_bill_src *s)
{
	return s->gzip;
}

uint64_t cs_bill_src_bytes_in(const cs_bill_src *s)
{
	return s->bytes_in;
}

/* Raw bytes from the file or memory. */
static int raw_read(cs_bill_src *s, uint8_t *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	ssize_t n;

	if (s->fd < 0) {
		size_t left = s->mem_len - s->mem_pos;
		size_t k = left < cap ? left : cap;

		if (k)
			memcpy(buf, s->mem + s->mem_pos, k);
		s->mem_pos += k;
		*got = k;
		s->bytes_in += k;
		return 0;
	}
	do
		n = read(s->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		cs_set_why(why, whycap, "%s: read failed: %s", s->name, strerror(e));
		return -e;
	}
	*got = (size_t)n;
	s->bytes_in += (uint64_t)n;
	return 0;
}

/* Makes compressed input available; false at its end. */
static int fill_in(cs_bill_src *s, char *why, size_t whycap)
{
	size_t got = 0;
	int rc;

	if (s->in_len || s->eof_in)
		return 0;
	if (s->fd < 0) {
		/* memory: hand out the rest in one piece, no copy */
		s->in = s->mem + s->mem_pos;
		s->in_len = s->mem_len - s->mem_pos;
		s->bytes_in += s->in_len;
		s->mem_pos = s->mem_len;
		if (!s->in_len)
			s->eof_in = true;
		return 0;
	}
	rc = raw_read(s, s->inbuf, IN_CAP, &got, why, whycap);
	if (rc)
		return rc;
	s->in = s->inbuf;
	s->in_len = got;
	if (!got)
		s->eof_in = true;
	return 0;
}

static int member_start(cs_bill_src *s, char *why, size_t whycap)
{
#ifdef CS_HAVE_ISAL
	isal_inflate_init(s->st);
	s->st->crc_flag = ISAL_GZIP;
#else
	int zrc = s->z_init ? inflateReset(&s->z) : inflateInit2(&s->z, 16 + MAX_WBITS);
	if (zrc != Z_OK) {
		cs_set_why(why, whycap, "%s: cannot start the gzip inflater", s->name);
		return CS_ENOMEM;
	}
	s->z_init = true;
#endif
	(void)why;
	(void)whycap;
	s->in_member = true;
	return 0;
}

/* Between members: skip zero padding, require a gzip header or the end. */
static int next_member(cs_bill_src *s, bool *done, char *why, size_t whycap)
{
	int rc;

	for (;;) {
		rc = fill_in(s, why, whycap);
		if (rc)
			return rc;
		if (!s->in_len) {
			*done = true;
			return 0;
		}
		while (s->in_len && s->in[0] == 0) {
			s->in++;
			s->in_len--;
		}
		if (!s->in_len)
			continue;
		if (s->in[0] != 0x1f) {
			cs_set_why(why, whycap,
			           "%s: data after the end of the gzip stream is not gzip; the file is damaged: "
			           "re-download or re-export it",
			           s->name);
			return CS_EINVAL;
		}
		*done = false;
		return member_start(s, why, whycap);
	}
}

static int gz_read1(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap);

/* Corrupt or truncated compressed data is -EBADMSG, and stays so: a
 * reader that calls again gets the same error, not a retry of the
 * inflater on a broken stream. */
static int gz_read(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	int rc;

	if (s->gz_err) {
		cs_set_why(why, whycap, "%s", s->gz_why);
		*got = 0;
		return s->gz_err;
	}
	rc = gz_read1(s, buf, cap, got, why, whycap);
	if (rc) {
		if (rc == CS_EINVAL)
			rc = -EBADMSG;
		s->gz_err = rc;
		cs_set_why(s->gz_why, sizeof s->gz_why, "%s", why ? why : "");
		*got = 0;
	}
	return rc;
}

static int gz_read1(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	size_t out = 0;
	int rc;

	while (out == 0) {
		size_t out_before = out, in_before;

		if (!s->in_member) {
			bool done;

			rc = next_member(s, &done, why, whycap);
			if (rc)
				return rc;
			if (done)
				break;
		}
		rc = fill_in(s, why, whycap);
		if (rc)
			return rc;
		if (!s->in_len) {
			cs_set_why(why, whycap,
			           "%s: truncated gzip: the file ends inside the compressed stream after %llu bytes; "
			           "re-download or re-export it",
			           s->name, (unsigned long long)s->bytes_in);
			return CS_EINVAL;
		}
		in_before = s->in_len;
#ifdef CS_HAVE_ISAL
		struct inflate_state *st = s->st;
		int irc;

		st->next_in = (uint8_t *)(uintptr_t)s->in;
		st->avail_in = (uint32_t)(s->in_len > UINT32_MAX ? UINT32_MAX : s->in_len);
		st->next_out = (uint8_t *)buf + out;
		st->avail_out = (uint32_t)((cap - out) > UINT32_MAX ? UINT32_MAX : (cap - out));
		irc = isal_inflate(st);
		if (irc < 0) {
			cs_set_why(why, whycap, "%s: corrupt gzip data (%s); re-download or re-export it", s->name,
			           irc == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch"
			           : irc == ISAL_INVALID_WRAPPER  ? "bad gzip header"
			                                          : "invalid deflate stream");
			return CS_EINVAL;
		}
		size_t used = (size_t)(st->next_in - s->in);
		s->in += used;
		s->in_len -= used;
		out = (size_t)(st->next_out - (uint8_t *)buf);
		if (st->block_state == ISAL_BLOCK_FINISH)
			s->in_member = false;
#else
		z_stream *z = &s->z;
		int zrc;

		z->next_in = (Bytef *)(uintptr_t)s->in;
		z->avail_in = (uInt)(s->in_len > UINT32_MAX ? UINT32_MAX : s->in_len);
		z->next_out = (Bytef *)buf + out;
		z->avail_out = (uInt)((cap - out) > UINT32_MAX ? UINT32_MAX : (cap - out));
		zrc = inflate(z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
			cs_set_why(why, whycap, "%s: corrupt gzip data (%s); re-download or re-export it", s->name,
			           z->msg ? z->msg : "inflate error");
			return CS_EINVAL;
		}
		size_t used = (size_t)((const uint8_t *)z->next_in - s->in);
		s->in += used;
		s->in_len -= used;
		out = (size_t)((char *)z->next_out - buf);
		if (zrc == Z_STREAM_END)
			s->in_member = false;
#endif
		if (s->in_member && s->in_len == in_before && out == out_before) {
			/* the library took nothing and gave nothing: not gzip data */
			cs_set_why(why, whycap, "%s: corrupt gzip data; re-download or re-export it", s->name);
			return CS_EINVAL;
		}
	}
	*got = out;
	return 0;
}

/* The inflater thread: fills ring blocks until the end, an error or stop. */
static void *inflate_main(void *arg)
{
	cs_bill_src *s = arg;
	unsigned tail = 0;

	/* named, so top/perf show the inflater apart from the scanner */
	(void)prctl(PR_SET_NAME, "cs-inflate", 0, 0, 0);

	for (;;) {
		size_t len = 0, got;
		int rc = 0;

		pthread_mutex_lock(&s->mu);
		while (s->count == RING_BLOCKS && !s->th_stop)
			pthread_cond_wait(&s->can_write, &s->mu);
		bool stop = s->th_stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			return NULL;
		/* fill a whole block: fewer hand-overs */
		while (len < RING_BLOCK) {
			rc = gz_read(s, s->blk[tail] + RING_HEAD + len, RING_BLOCK - len, &got, s->th_why,
			             sizeof s->th_why);
			if (rc || !got)
				break;
			len += got;
		}
		pthread_mutex_lock(&s->mu);
		if (len) {
			s->blk_len[tail] = len;
			tail = (tail + 1) % RING_BLOCKS;
			s->count++;
		}
		if (rc || len < RING_BLOCK) {
			s->th_done = true;
			s->th_rc = rc;
		}
		pthread_cond_signal(&s->can_read);
		bool done = s->th_done;
		pthread_mutex_unlock(&s->mu);
		if (done)
			return NULL;
	}
}

/* Gives the head block back to the inflater. */
static void ring_release(cs_bill_src *s)
{
	pthread_mutex_lock(&s->mu);
	s->head = (s->head + 1) % RING_BLOCKS;
	s->head_pos = 0;
	s->count--;
	s->held = false;
	pthread_cond_signal(&s->can_write);
	pthread_mutex_unlock(&s->mu);
}

static int ring_read(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	size_t k;

	if (s->held)
		ring_release(s); /* handed out whole: nothing left in it */
	pthread_mutex_lock(&s->mu);
	while (s->count == 0 && !s->th_done)
		pthread_cond_wait(&s->can_read, &s->mu);
	if (s->count == 0) {
		int rc = s->th_rc;
		if (rc)
			cs_set_why(why, whycap, "%s", s->th_why);
		pthread_mutex_unlock(&s->mu);
		*got = 0;
		return rc;
	}
	pthread_mutex_unlock(&s->mu);
	/* the head block is the reader's until it is released below */
	k = s->blk_len[s->head] - s->head_pos;
	if (k > cap)
		k = cap;
	memcpy(buf, s->blk[s->head] + RING_HEAD + s->head_pos, k);
	s->head_pos += k;
	*got = k;
	if (s->head_pos == s->blk_len[s->head])
		ring_release(s);
	return 0;
}

int cs_bill_src_block(cs_bill_src *s, const char *keep, size_t nkeep, char **p, size_t *n, char *why, size_t whycap)
{
	unsigned next;
	size_t room, len;

	*p = NULL;
	*n = 0;
	if (!s->threaded)
		return CS_EUNAVAIL;
	if (s->peek_pos < s->peek_len)
		return CS_ERANGE; /* the peeked bytes come first: read them */
	pthread_mutex_lock(&s->mu);
	while (s->count <= (unsigned)s->held && !s->th_done)
		pthread_cond_wait(&s->can_read, &s->mu);
	if (s->count <= (unsigned)s->held) {
		int rc = s->th_rc;

		if (rc)
			cs_set_why(why, whycap, "%s", s->th_why);
		pthread_mutex_unlock(&s->mu);
		return rc; /* the end (or the inflater's error); the held block stays */
	}
	pthread_mutex_unlock(&s->mu);
	/* the next block is the reader's from here: the inflater only writes
	 * blocks the count says are free */
	next = (s->head + (unsigned)s->held) % RING_BLOCKS;
	room = RING_HEAD + (s->held ? 0 : s->head_pos);
	if (nkeep > room)
		return CS_ERANGE;
	len = s->blk_len[next] - (s->held ? 0 : s->head_pos);
	*p = s->blk[next] + room - nkeep;
	if (nkeep)
		memmove(*p, keep, nkeep); /* keep may lie in the held block: copy, then release */
	*n = nkeep + len;
	if (s->held)
		ring_release(s);
	s->head_pos = s->blk_len[next];
	s->held = true;
	return 0;
}

static int thread_start(cs_bill_src *s)
{
	for (unsigned i = 0; i < RING_BLOCKS; i++)
		if (!(s->blk[i] = malloc(RING_HEAD + RING_BLOCK + RING_SLACK)))
			return CS_ENOMEM;
	if (pthread_mutex_init(&s->mu, NULL))
		return CS_ENOMEM;
	if (pthread_cond_init(&s->can_read, NULL) || pthread_cond_init(&s->can_write, NULL)) {
		pthread_mutex_destroy(&s->mu);
		return CS_ENOMEM;
	}
	if (pthread_create(&s->th, NULL, inflate_main, s)) {
		pthread_cond_destroy(&s->can_read);
		pthread_cond_destroy(&s->can_write);
		pthread_mutex_destroy(&s->mu);
		return 0; /* no thread: inflate on the reader's */
	}
	s->threaded = true;
	return 0;
}

static int src_read(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	if (s->threaded)
		return ring_read(s, buf, cap, got, why, whycap);
	{
		if (!s->gzip) {
			/* bytes already taken to sniff the magic come first */
			if (s->in_len) {
				size_t k = s->in_len < cap ? s->in_len : cap;

				memcpy(buf, s->in, k);
				s->in += k;
				s->in_len -= k;
				*got = k;
				return 0;
			}
			return raw_read(s, (uint8_t *)buf, cap, got, why, whycap);
		}
		return gz_read(s, buf, cap, got, why, whycap);
	}
}

int cs_bill_src_read(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap)
{
	if (s->peek_pos < s->peek_len) {
		size_t k = s->peek_len - s->peek_pos;

		if (k > cap)
			k = cap;
		memcpy(buf, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		*got = k;
		return 0;
	}
	return src_read(s, buf, cap, got, why, whycap);
}

int cs_bill_win_fill(cs_bill_src *s, cs_win *w, size_t max, size_t *got, char *why, size_t whycap)
{
	int rc;

	*got = 0;
	if ((rc = cs_win_room(w, max)) != 0)
		return rc;
	rc = cs_bill_src_read(s, w->buf + w->len, w->cap - w->len, got, why, whycap);
	if (rc)
		return rc;
	w->len += *got;
	memset(w->buf + w->len, 0, w->slack);
	return 0;
}

int cs_bill_src_peek(cs_bill_src *s, const char **p, size_t *n, char *why, size_t whycap)
{
	while (s->peek_len < sizeof s->peek) {
		size_t got = 0;
		int rc = src_read(s, s->peek + s->peek_len, sizeof s->peek - s->peek_len, &got, why, whycap);

		if (rc)
			return rc;
		if (!got)
			break;
		s->peek_len += got;
	}
	*p = s->peek;
	*n = s->peek_len;
	return 0;
}

/* Reads the first bytes to tell gzip from text. */
static int sniff(cs_bill_src *s, char *why, size_t whycap)
{
	int rc;

	s->inbuf = malloc(IN_CAP);
	if (!s->inbuf) {
		cs_set_why(why, whycap, "%s: out of memory", s->name);
		return CS_ENOMEM;
	}
	/* at least two bytes unless the input is shorter */
	while (s->in_len < 2 && !s->eof_in) {
		size_t got = 0;

		if (s->fd < 0) {
			rc = fill_in(s, why, whycap);
			if (rc)
				return rc;
			break;
		}
		rc = raw_read(s, s->inbuf + s->in_len, IN_CAP - s->in_len, &got, why, whycap);
		if (rc)
			return rc;
		if (!got)
			s->eof_in = true;
		s->in = s->inbuf;
		s->in_len += got;
	}
	s->gzip = s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
	if (!s->gzip)
		return 0;
#ifdef CS_HAVE_ISAL
	/* calloc: not every field is set by isal_inflate_init (found by fuzzing
	 * under ASan, whose malloc fills memory with garbage) */
	s->st = calloc(1, sizeof *s->st);
	if (!s->st) {
		cs_set_why(why, whycap, "%s: out of memory", s->name);
		return CS_ENOMEM;
	}
#endif
	return member_start(s, why, whycap);
}

static cs_bill_src *src_new(const char *name)
{
	cs_bill_src *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	cs_set_why(s->name, sizeof s->name, "%s", name);
	s->fd = -1;
	return s;
}

/* The end of both opens: sniffs s and, when thread is set and s is gzip,
 * starts its inflater thread; s is *out, or freed on failure. */
static int src_start(cs_bill_src *s, bool thread, cs_bill_src **out, char *why, size_t cap)
{
	int rc = sniff(s, why, cap);

	if (!rc && thread && s->gzip)
		rc = thread_start(s);
	if (rc)
		cs_bill_src_free(s);
	else
		*out = s;
	return rc;
}

int cs_bill_src_open(const char *path, cs_bill_src **out, char *why, size_t cap)
{
	cs_bill_src *s;

	if (!path || !out)
		return CS_EINVAL;
	s = src_new(strcmp(path, "-") ? path : "<stdin>");
	if (!s) {
		cs_set_why(why, cap, "%s: out of memory", path);
		return CS_ENOMEM;
	}
	if (!strcmp(path, "-")) {
		s->fd = 0;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			int e = errno;
			cs_set_why(why, cap, "%s: cannot open: %s", path, strerror(e));
			free(s);
			return -e;
		}
		s->own_fd = true;
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	return src_start(s, true, out, why, cap);
}

int cs_bill_src_open_mem(const void *data, size_t n, const char *name, cs_bill_src **out, char *why, size_t cap)
{
	cs_bill_src *s = src_new(name ? name : "<memory>");

	if (!s)
		return CS_ENOMEM;
	s->mem = data;
	s->mem_len = n;
	return src_start(s, false, out, why, cap);
}

void cs_bill_src_free(cs_bill_src *s)
{
	if (!s)
		return;
	if (s->threaded) {
		pthread_mutex_lock(&s->mu);
		s->th_stop = true;
		pthread_cond_signal(&s->can_write);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
		pthread_cond_destroy(&s->can_read);
		pthread_cond_destroy(&s->can_write);
		pthread_mutex_destroy(&s->mu);
	}
	for (unsigned i = 0; i < RING_BLOCKS; i++)
		free(s->blk[i]);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
#ifdef CS_HAVE_ISAL
	free(s->st);
#else
	if (s->z_init)
		inflateEnd(&s->z);
#endif
	free(s->inbuf);
	free(s);
}
