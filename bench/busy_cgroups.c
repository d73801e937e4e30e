/* bench/busy_cgroups.c - N "busy containers" for bench/agent_real_cgroups.sh.
 *
 * Forks one child per line of LIST (a cgroup path relative to the
 * hierarchy roots): the child joins <root>/<path> of every root given
 * (cgroup.procs), touches 64 KiB of memory there (so the memory
 * controller charges it), then wakes every PERIOD ms (phases spread over the
 * period) and spins ~20 us, so every cgroup's CPU counter advances between
 * any two agent cycles. A child costs ~10 us of CPU per period, N = 1,000 at
 * 1 s about 1 % of one core. The parent waits until stdin closes or a
 * signal, then kills the children (its process group) and exits.
 * Usage: busy_cgroups LIST PERIOD_MS ROOT [ROOT2]   (root; the cgroups must
 * exist) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int join(const char *root, const char *rel)
{
	char path[8192], pid[32];
	int fd, n;

	snprintf(path, sizeof path, "%s/%s/cgroup.procs", root, rel);
	n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, (size_t)n) != n) {
		fprintf(stderr, "busy_cgroups: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child(const char *rel, long i, long n, long period_ms, char **dirs, int ndirs)
{
	volatile char *mem;
	struct timespec ts;
	double next;

	for (int d = 0; d < ndirs; d++)
		if (join(dirs[d], rel) != 0)
			_exit(1);
	mem = malloc(64 << 10);
	if (!mem)
		_exit(1);
	for (size_t k = 0; k < (64u << 10); k += 4096)
		mem[k] = 1;
	next = now_s() + (double)period_ms / 1e3 * (double)i / (double)n;
	for (;;) {
		double t;

		next += (double)period_ms / 1e3;
		t = next - now_s();
		if (t > 0) {
			ts.tv_sec = (time_t)t;
			ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		t = now_s() + 20e-6;
		while (now_s() < t)
			;
		if (getppid() == 1)
			_exit(0);
	}
}

int main(int argc, char **argv)
{
	long n = 0, period_ms;
	char buf[64], line[4096];
	FILE *list;

	if (argc < 4 || argc > 5 || (period_ms = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: busy_cgroups LIST PERIOD_MS ROOT [ROOT2]\n");
		return 2;
	}
	if (!(list = fopen(argv[1], "r"))) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof line, list))
		n++;
	rewind(list);
	setpgid(0, 0);
	for (long i = 0; i < n && fgets(line, sizeof line, list); i++) {
		pid_t p;

		line[strcspn(line, "\n")] = '\0';
		p = fork();
		if (p < 0) {
			perror("busy_cgroups: fork");
			kill(0, SIGTERM);
			return 1;
		}
		if (p == 0)
			child(line, i, n, period_ms, argv + 3, argc - 3);
	}
	fclose(list);
	printf("ready %ld\n", n);
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
