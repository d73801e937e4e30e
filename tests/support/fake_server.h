/* fake_server.h - the python fake servers the unit tests talk to.
 *
 * Owns the spawning and the killing of a test's fake (tests/fakes/
 * fake_metadata.py, fake_emaps.py, fake_kubelet.py):
 * python3 runs the script with a pipe on its stdin (the lifeline: the fake
 * exits when it reaches EOF, so it dies with the test process however that
 * ends; fake_kubelet.py also reads control commands from it) and a pipe on
 * its stdout, whose first line is the port it listens on (waited for up to
 * 15 s). Every running fake is kept in one table, the test singleton
 * cs_fake_live (fake_server.c), by value: a failed assertion longjmps out
 * of the test that owns the cs_fake, and the per-test teardown
 * cs_fake_stop_all() still finds and kills them all.
 *
 * What the fake serves, and how it is told so, stays with each test.
 */
#ifndef CS_TEST_FAKE_SERVER_H
#define CS_TEST_FAKE_SERVER_H

#include <stddef.h>
#include <sys/types.h>

/* A handle on a running fake. All zeros (or after cs_fake_stop) = not running. */
typedef struct cs_fake {
	int slot;     /* index in cs_fake_live */
	pid_t pid;    /* its process; 0 when not running */
	int port;     /* the port it printed */
	char url[64]; /* "http://127.0.0.1:PORT" (a test may rewrite it) */
} cs_fake;

/* Spawns python3 with argv (argv[0] "python3", argv[1] the script, NULL
 * last) and waits for the port. 0, or -1 (nothing left running) when the
 * script is not readable, python3 cannot be spawned or no port came. A full
 * table fails the test. */
int cs_fake_start(cs_fake *f, char *const argv[]);

/* Kills the fake (closes its stdin and stdout, SIGTERM, waits); f is then
 * not running. Harmless on a fake that is not running. */
void cs_fake_stop(cs_fake *f);

/* Per-test cmocka teardown: kills every fake still running. Returns 0. */
int cs_fake_stop_all(void **state);

/* Writes cmd and a newline to the fake's stdin (fails the test if it cannot). */
void cs_fake_send(const cs_fake *f, const char *cmd);

/* One line from the fake's stdout, without its newline ("" after 15 s or at EOF). */
void cs_fake_line(const cs_fake *f, char *line, size_t cap);

#endif
