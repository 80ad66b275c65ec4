/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-trim - vj_trim_memory() against the kernel: /proc/self/pagemap says
 * which pages of libc's code are mapped before and after, /proc/self/smaps
 * what is resident, and the process keeps working: written data (a global,
 * the relocated GOT behind every libc call, the heap, a private file
 * mapping that was written) keeps its contents, a clean file mapping reads
 * back the file.
 */
#include "tap.h"
#include "trim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static int counter = 41; /* .data: written below, must survive */

/* Pages of the first executable private mapping of a path containing
 * name that are present (pagemap bit 63), or -1. */
static long present_pages(const char *name, long *total)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	char line[512];
	unsigned long a = 0, b = 0;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3 && strcmp(perms, "r-xp") == 0 && strstr(line, name))
			found = true;
	}
	fclose(f);
	if (!found)
		return -1;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long n = 0;
	*total = (long)((b - a) / 4096);
	for (unsigned long p = a; p < b; p += 4096) {
		uint64_t e;
		if (pread(fd, &e, sizeof(e), (off_t)(p / 4096 * 8)) != sizeof(e))
			break;
		n += (long)(e >> 63);
	}
	close(fd);
	return n;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(void)
{
	plan_no_plan();

	/* Touch a lot of libc's code first, as a supervisor's setup does. */
	char buf[256];
	for (int i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "%d %f %s %e", i, i / 3.0, "x", i * 1e10);
		(void)strtod(buf + 2, NULL);
	}
	qsort(buf, strlen(buf), 1, (int (*)(const void *, const void *))strcmp);

	/* A private file mapping that was written, and a clean one. */
	char path[] = "/tmp/vj-test-trim.XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0 && ftruncate(fd, 8192) == 0 && pwrite(fd, "file-data", 9, 4096) == 9, "a two-page file");
	unlink(path);
	char *dirty = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *clean = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	ok(dirty != MAP_FAILED && clean != MAP_FAILED, "mapped twice");
	memcpy(dirty, "private-copy", 12);
	ok(clean[4096] == 'f', "the clean mapping is read (resident)");
	mprotect(dirty, 8192, PROT_READ); /* written, then read-only: like RELRO */

	char *heap = malloc(100);
	snprintf(heap, 100, "heap-data");
	counter++;

	long total = 0;
	long before = present_pages("libc", &total);
	long rss_before = rss_kb();
	struct vj_trim_stats st;
	int r = vj_trim_memory(&st);
	/* Read pagemap with as little libc as possible in between: what
	 * present_pages itself runs comes back, the rest stays out. */
	long after = present_pages("libc", &total);
	long rss_after = rss_kb();
	ok(r == 0, "vj_trim_memory: %d", r);
	ok(st.mappings > 0, "clean file mappings dropped: %zu (%zu bytes)", st.mappings, st.dropped_bytes);
	ok(before > 0 && after >= 0 && after < before, "libc's code pages mapped: %ld before, %ld after (of %ld)", before,
	   after, total);
	ok(rss_after < rss_before, "VmRSS: %ld kB before, %ld kB after", rss_before, rss_after);

	/* Everything written kept its contents. */
	ok(counter == 42, ".data kept: %d", counter);
	ok(strcmp(heap, "heap-data") == 0, "the heap kept");
	ok(memcmp(dirty, "private-copy", 12) == 0, "a written private file mapping kept its copy");
	ok(memcmp(clean + 4096, "file-data", 9) == 0, "a dropped clean mapping reads the file again");
	snprintf(buf, sizeof(buf), "%.1f", 2.5);
	ok(strcmp(buf, "2.5") == 0, "libc still runs (through the relocated GOT)");
	free(heap);
	munmap(dirty, 8192);
	munmap(clean, 8192);
	close(fd);
	return done_testing();
}
