/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lsm-mcs.c - SELinux category pairs: the reservations that keep two
 * live jails from sharing one (no SELinux needed: they are files under the
 * state root). Live holders are real processes; a stale reservation's
 * owner is a process that has exited.
 */
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsm_internal.h"

static char dir[64];

static int count_reservations(void)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "ls %s/selinux-mcs | wc -l", dir);
	FILE *f = popen(cmd, "r");
	int n = -1;
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		pclose(f);
	}
	return n;
}

/* Children reserve concurrently in a small range and hold their pairs
 * until the parent lets them go. */
static void test_concurrent(void)
{
	enum { N = 16 };
	int report[2], release[2];
	if (pipe(report) < 0 || pipe(release) < 0)
		abort();
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(report[0]);
			close(release[1]);
			struct vj_selinux se = { .c1 = -1, .c2 = -1 };
			struct vj_error err = { 0 };
			int r = vj_selinux_reserve(&se, 0, 7, &err);
			int pair[2] = { r < 0 ? -1 : se.c1, r < 0 ? -1 : se.c2 };
			if (write(report[1], pair, sizeof(pair)) != sizeof(pair))
				_exit(2);
			char c;
			while (read(release[0], &c, 1) > 0)
				;
			vj_selinux_unreserve(&se);
			_exit(0);
		}
	}
	close(report[1]);
	close(release[0]);
	int seen[8][8] = { { 0 } };
	int got = 0, dup = 0, bad = 0;
	for (int i = 0; i < N; i++) {
		int pair[2];
		if (read(report[0], pair, sizeof(pair)) != sizeof(pair))
			break;
		got++;
		if (pair[0] < 0 || pair[0] >= pair[1] || pair[1] > 7) {
			bad++;
			continue;
		}
		dup += seen[pair[0]][pair[1]]++ > 0;
	}
	is_int(got, N, "%d processes reserved a pair at once", N);
	is_int(bad, 0, "each pair is cN,cM with N < M in the range");
	is_int(dup, 0, "no two live holders share a pair (28 pairs in c0..c7)");
	is_int(count_reservations(), N, "one reservation file each");
	close(release[1]);
	for (int i = 0; i < N; i++)
		waitpid(pids[i], NULL, 0);
	close(report[0]);
	is_int(count_reservations(), 0, "all dropped when released");
}

static void test_full_and_stale(void)
{
	struct vj_selinux se[4];
	struct vj_error err = { 0 };
	for (int i = 0; i < 4; i++)
		se[i] = (struct vj_selinux){ .c1 = -1, .c2 = -1 };
	/* c0..c2 has three pairs. */
	int r0 = vj_selinux_reserve(&se[0], 0, 2, &err);
	int r1 = vj_selinux_reserve(&se[1], 0, 2, &err);
	int r2 = vj_selinux_reserve(&se[2], 0, 2, &err);
	ok(r0 == 0 && r1 == 0 && r2 == 0, "three pairs in c0..c2");
	int r = vj_selinux_reserve(&se[3], 0, 2, &err);
	is_int(r, -EBUSY, "a fourth: none free");
	ok(strstr(err.msg, "no free category pair in c0..c2") != NULL, "message: %s", err.msg);

	/* One holder dies without releasing (a SIGKILLed supervisor): its
	 * reservation names a process that is gone. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	FILE *f = fopen(se[1].reservation, "w");
	if (f) {
		fprintf(f, "%d 12345\n", (int)child);
		fclose(f);
	}
	int want1 = se[1].c1, want2 = se[1].c2;
	free(se[1].reservation);
	se[1].reservation = NULL;
	vj_error_clear(&err);
	r = vj_selinux_reserve(&se[3], 0, 2, &err);
	ok(r == 0 && se[3].c1 == want1 && se[3].c2 == want2, "the stale pair c%d,c%d is taken over", want1, want2);

	/* A live holder whose pid was reused: the start time tells. */
	f = fopen(se[3].reservation, "w");
	if (f) {
		fprintf(f, "%d 1\n", (int)getpid());
		fclose(f);
	}
	free(se[3].reservation);
	se[3].reservation = NULL;
	vj_error_clear(&err);
	r = vj_selinux_reserve(&se[1], 0, 2, &err);
	ok(r == 0 && se[1].c1 == want1 && se[1].c2 == want2, "a reservation whose pid was reused is stale too");
	r = vj_selinux_reserve(&se[3], 0, 2, &err);
	is_int(r, -EBUSY, "live ones are not");
	for (int i = 0; i < 3; i++)
		vj_selinux_unreserve(&se[i]);
	is_int(count_reservations(), 0, "released");
	vj_error_clear(&err);
	r = vj_selinux_reserve(&se[3], 7, 7, &err);
	is_int(r, -EINVAL, "a range of one category is refused");
}

/* A holder is identified by its pid and start time, which stay what they
 * were for its whole life - whatever else /proc/PID/stat says changes
 * (its memory here). */
static void test_live_holder_changes(void)
{
	struct vj_selinux se[4];
	struct vj_error err = { 0 };
	for (int i = 0; i < 4; i++)
		se[i] = (struct vj_selinux){ .c1 = -1, .c2 = -1 };
	int r = 0;
	for (int i = 0; i < 3; i++)
		r |= vj_selinux_reserve(&se[i], 0, 2, &err);
	ok(r == 0, "three pairs in c0..c2 held");
	size_t len = 256 << 20;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ok(m != MAP_FAILED, "the holder maps 256 MiB (its vsize, /proc/PID/stat field 23, changes)");
	char stat[64], *text = NULL;
	snprintf(stat, sizeof(stat), "/proc/%d/stat", (int)getpid());
	unsigned long long field22 = 0;
	if (vj_read_file_at(AT_FDCWD, stat, 4096, &text, NULL) == 0) {
		char *p = strrchr(text, ')');
		for (int f = 2; p && f < 22; f++)
			p = strchr(p + 1, ' ');
		field22 = p ? strtoull(p + 1, NULL, 10) : 0;
	}
	free(text);
	is_int((long long)vj_lsm_start_time(getpid()), (long long)field22, "the start time is field 22 of /proc/PID/stat");
	vj_error_clear(&err);
	r = vj_selinux_reserve(&se[3], 0, 2, &err);
	is_int(r, -EBUSY, "the live holder keeps its pairs");
	if (m != MAP_FAILED)
		munmap(m, len);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	kill(child, SIGKILL);
	usleep(100000);
	is_int((long long)vj_lsm_start_time(child), 0, "a zombie has no start time (it is gone)");
	waitpid(child, NULL, 0);
	for (int i = 0; i < 4; i++)
		vj_selinux_unreserve(&se[i]);
	is_int(count_reservations(), 0, "released");
}

int main(void)
{
	plan_no_plan();
	snprintf(dir, sizeof(dir), "/tmp/vj-mcs-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	setenv("VMJAIL_STATE_DIR", dir, 1);
	test_concurrent();
	test_full_and_stale();
	test_live_holder_changes();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
