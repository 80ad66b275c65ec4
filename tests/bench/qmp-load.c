/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp-load - QMP round-trip latency: one thread per socket given, each
 * negotiates, then runs N sequential {"execute": "query-status"} round
 * trips. Prints one JSON line: count, median, p90, p99, max (microseconds)
 * over all samples, and the wall time.
 *
 *   qmp-load -n 20000 SOCKET [SOCKET...]
 *   qmp-load -n 0 -hold SECONDS SOCKET...   connect, negotiate, stay idle
 *   qmp-load -n 20000 -interleave SOCKET...  one thread, one connection per
 *       socket, the round trips taken in turn (a, b, c, a, b, c...), so every
 *       path sees the same machine at the same moments; one JSON line per
 *       socket, in order
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct job {
	const char *path;
	long n;
	double *lat;
	int fd;
	int err;
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Read until a line containing want (replies are single lines). */
static int read_until(int fd, const char *want)
{
	static __thread char buf[1 << 16];
	static __thread size_t len;
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			int hit = strstr(buf, want) != NULL;
			size_t used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len - used);
			len -= used;
			if (hit)
				return 0;
		}
		if (len == sizeof(buf))
			len = 0;
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
}

static int connect_qmp(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	const char *neg = "{\"execute\":\"qmp_capabilities\"}\n";
	if (read_until(fd, "\"QMP\"") < 0 || write(fd, neg, strlen(neg)) < 0 || read_until(fd, "\"return\"") < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *run(void *arg)
{
	struct job *j = arg;
	const char *cmd = "{\"execute\":\"query-status\"}\n";
	size_t len = strlen(cmd);
	j->fd = connect_qmp(j->path);
	if (j->fd < 0) {
		j->err = 1;
		return NULL;
	}
	for (long i = 0; i < j->n; i++) {
		double t0 = now_us();
		if (write(j->fd, cmd, len) != (ssize_t)len || read_until(j->fd, "\"return\"") < 0) {
			j->err = 1;
			return NULL;
		}
		j->lat[i] = now_us() - t0;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void print_stats(int clients, double *lat, size_t total, double wall)
{
	qsort(lat, total, sizeof(double), cmp);
	printf("{\"clients\": %d, \"count\": %zu, \"median_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, "
	       "\"max_us\": %.1f, \"wall_s\": %.3f}\n",
	       clients, total, lat[total / 2], lat[total * 90 / 100], lat[total * 99 / 100], lat[total - 1], wall / 1e6);
}

/* -interleave: one round trip on each connection in turn. */
static int interleave(char **paths, int k, long n)
{
	const char *cmd = "{\"execute\":\"query-status\"}\n";
	size_t len = strlen(cmd);
	int *fd = calloc((size_t)k, sizeof(int));
	double *lat = calloc((size_t)(n * k + 1), sizeof(double));
	double t0 = now_us();
	for (int j = 0; j < k; j++)
		if ((fd[j] = connect_qmp(paths[j])) < 0) {
			fprintf(stderr, "qmp-load: %s: cannot connect\n", paths[j]);
			return 1;
		}
	for (long i = 0; i < n; i++)
		for (int j = 0; j < k; j++) {
			/* read_until keeps one buffer per thread: the replies are
			 * read whole, so it is empty between round trips. */
			double s = now_us();
			if (write(fd[j], cmd, len) != (ssize_t)len || read_until(fd[j], "\"return\"") < 0) {
				fprintf(stderr, "qmp-load: %s: connection failed\n", paths[j]);
				return 1;
			}
			lat[(size_t)j * (size_t)n + (size_t)i] = now_us() - s;
		}
	double wall = now_us() - t0;
	for (int j = 0; j < k; j++)
		print_stats(1, lat + (size_t)j * (size_t)n, (size_t)n, wall);
	return 0;
}

int main(int argc, char **argv)
{
	long n = 20000;
	int hold = 0, inter = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "-hold") && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-interleave"))
			inter = 1;
		else {
			fprintf(stderr, "usage: qmp-load [-n N] [-hold SECONDS | -interleave] SOCKET...\n");
			return 2;
		}
	}
	int k = argc - i;
	if (k < 1) {
		fprintf(stderr, "usage: qmp-load [-n N] [-hold SECONDS | -interleave] SOCKET...\n");
		return 2;
	}
	if (inter)
		return interleave(argv + i, k, n);
	struct job *jobs = calloc((size_t)k, sizeof(*jobs));
	pthread_t *th = calloc((size_t)k, sizeof(*th));
	double *all = calloc((size_t)(n * k + 1), sizeof(double));
	double t0 = now_us();
	for (int j = 0; j < k; j++) {
		jobs[j].path = argv[i + j];
		jobs[j].n = n;
		jobs[j].lat = all + (size_t)j * (size_t)n;
		pthread_create(&th[j], NULL, run, &jobs[j]);
	}
	int err = 0;
	for (int j = 0; j < k; j++) {
		pthread_join(th[j], NULL);
		err |= jobs[j].err;
	}
	double wall = now_us() - t0;
	if (err) {
		fprintf(stderr, "qmp-load: a connection failed\n");
		return 1;
	}
	if (hold) {
		printf("{\"connected\": %d}\n", k);
		fflush(stdout);
		sleep((unsigned)hold);
		return 0;
	}
	print_stats(k, all, (size_t)n * (size_t)k, wall);
	return 0;
}
