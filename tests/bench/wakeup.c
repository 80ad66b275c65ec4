/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wakeup.c - what one more process on a request's path costs on this
 * machine, whatever that process does: the floor under any relay (socat,
 * vmjail's QMP proxy) that sits between a client and a server.
 *
 * A client sends one byte over a unix socketpair and blocks until it comes
 * back; the echo side blocks in poll, reads, writes it back. Measured:
 *   direct       client <-> echo
 *   relay        client <-> relay <-> echo (the relay polls both sockets
 *                and copies bytes, as socat does)
 * each with every process on one CPU, on different CPUs (client and echo
 * apart, the relay with the echo), and unpinned. The relay's cost is the
 * difference relay - direct in the same placement. On a virtual machine a
 * wakeup that crosses CPUs (an IPI to a halted vCPU) can cost tens of
 * microseconds while a switch on one CPU costs a few.
 *
 *   build/tests/unit/wakeup-bench [ROUND_TRIPS]      (default 20000)
 *
 * Prints one line per case: median and p99 in microseconds.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s) < 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static _Noreturn void echo(int fd, int cpu)
{
	pin(cpu);
	char b[64];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		ssize_t n = read(fd, b, sizeof(b));
		if (n <= 0 || write(fd, b, (size_t)n) != n)
			_exit(0);
	}
}

static _Noreturn void relay(int up, int down, int cpu)
{
	pin(cpu);
	char b[64];
	struct pollfd p[2] = { { .fd = up, .events = POLLIN }, { .fd = down, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			ssize_t n = read(p[i].fd, b, sizeof(b));
			if (n <= 0 || write(p[1 - i].fd, b, (size_t)n) != n)
				_exit(0);
		}
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* cpus: client, relay (-2: no relay), echo; -1 = unpinned. */
static void run(const char *name, int n, int c_cpu, int r_cpu, int e_cpu)
{
	int a[2], b[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, b) < 0) {
		perror("socketpair");
		exit(1);
	}
	pid_t pe = fork(), pr = -1;
	if (pe == 0) {
		close(a[0]);
		close(a[1]);
		close(b[0]);
		echo(b[1], e_cpu);
	}
	int fd = b[0];
	if (r_cpu != -2) {
		pr = fork();
		if (pr == 0) {
			close(a[0]);
			close(b[1]);
			relay(a[1], b[0], r_cpu);
		}
		fd = a[0];
	}
	close(a[1]);
	close(b[1]);
	if (r_cpu != -2)
		close(b[0]);
	else
		close(a[0]);

	pid_t self = fork();
	if (self == 0) {
		pin(c_cpu);
		double *t = malloc(sizeof(double) * (size_t)n);
		char c = 'x';
		for (int i = -n / 10; i < n; i++) { /* a tenth as warm-up */
			double t0 = now_us();
			if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
				_exit(1);
			if (i >= 0)
				t[i] = now_us() - t0;
		}
		qsort(t, (size_t)n, sizeof(double), cmp);
		printf("%-34s median %7.1f us   p99 %7.1f us\n", name, t[n / 2], t[n * 99 / 100]);
		fflush(stdout);
		_exit(0);
	}
	close(fd);
	waitpid(self, NULL, 0);
	kill(pe, SIGKILL);
	if (pr > 0)
		kill(pr, SIGKILL);
	waitpid(pe, NULL, 0);
	if (pr > 0)
		waitpid(pr, NULL, 0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	if (n < 100)
		n = 100;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("%d round trips of one byte over unix sockets, %ld CPUs\n", n, cpus);
	fflush(stdout);
	run("direct, one CPU", n, 0, -2, 0);
	run("relay,  one CPU", n, 0, 0, 0);
	if (cpus > 1) {
		run("direct, client and echo apart", n, 0, -2, 1);
		run("relay,  client apart (relay+echo)", n, 0, 1, 1);
	}
	run("direct, unpinned", n, -1, -2, -1);
	run("relay,  unpinned", n, -1, -1, -1);
	return 0;
}
