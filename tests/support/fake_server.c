/* fake_server.c - spawning and killing the python fake servers; see fake_server.h. */
#include "fake_server.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIVE_MAX  8
#define PORT_WAIT 15000.0 /* ms; python may take a while to start */

extern char **environ;

/* The test singleton: every fake still running, by value. */
static struct {
	pid_t pid; /* 0 = free slot */
	int ctl;   /* write end of its stdin: the lifeline (and control) */
	int out;   /* read end of its stdout */
} cs_fake_live[LIVE_MAX];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Later fakes must not inherit this one's ends of the pipes. */
static void cloexec(int fd)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

static void kill_slot(int i)
{
	if (cs_fake_live[i].pid <= 0)
		return;
	close(cs_fake_live[i].ctl);
	close(cs_fake_live[i].out);
	kill(cs_fake_live[i].pid, SIGTERM);
	waitpid(cs_fake_live[i].pid, NULL, 0);
	cs_fake_live[i].pid = 0;
	cs_fake_live[i].ctl = -1;
	cs_fake_live[i].out = -1;
}

/* The slot of a running fake (fails the test for one that is not running). */
static int live_slot(const cs_fake *f)
{
	assert_true(f->pid > 0 && f->slot >= 0 && f->slot < LIVE_MAX && cs_fake_live[f->slot].pid == f->pid);
	return f->slot;
}

void cs_fake_line(const cs_fake *f, char *line, size_t cap)
{
	int fd = cs_fake_live[live_slot(f)].out;
	size_t n = 0;
	double t0 = now_ms();

	while (n < cap - 1 && now_ms() - t0 < PORT_WAIT) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, 500) <= 0)
			continue;
		r = read(fd, line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
}

void cs_fake_send(const cs_fake *f, const char *cmd)
{
	int fd = cs_fake_live[live_slot(f)].ctl;

	assert_true(write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd));
	assert_true(write(fd, "\n", 1) == 1);
}

int cs_fake_start(cs_fake *f, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char line[32];
	int in[2], out[2], rc, slot;
	pid_t pid = 0;

	memset(f, 0, sizeof(*f));
	for (slot = 0; slot < LIVE_MAX; slot++)
		if (cs_fake_live[slot].pid == 0)
			break;
	assert_true(slot < LIVE_MAX);
	if (access(argv[1], R_OK) != 0 || pipe(out) != 0)
		return -1;
	if (pipe(in) != 0) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	cloexec(out[0]);
	cloexec(in[1]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_addclose(&fa, out[1]);
	posix_spawn_file_actions_addclose(&fa, in[0]);
	rc = posix_spawnp(&pid, "python3", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(in[0]);
	if (rc != 0) {
		close(out[0]);
		close(in[1]);
		return -1;
	}
	cs_fake_live[slot].pid = pid;
	cs_fake_live[slot].ctl = in[1];
	cs_fake_live[slot].out = out[0];
	f->slot = slot;
	f->pid = pid;
	/* the first line is the port */
	cs_fake_line(f, line, sizeof(line));
	f->port = atoi(line);
	if (f->port <= 0) {
		cs_fake_stop(f);
		return -1;
	}
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
	return 0;
}

void cs_fake_stop(cs_fake *f)
{
	if (f->pid > 0 && f->slot >= 0 && f->slot < LIVE_MAX && cs_fake_live[f->slot].pid == f->pid)
		kill_slot(f->slot);
	f->pid = 0;
}

int cs_fake_stop_all(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LIVE_MAX; i++)
		kill_slot(i);
	return 0;
}
