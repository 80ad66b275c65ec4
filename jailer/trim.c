/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trim.c - give back the memory of setup once a supervisor only waits.
 *
 * Theory of operation. A supervisor runs for the jail's whole life, and a
 * host runs hundreds of them, but most of what it touched was touched once:
 * the profile and policy parsers, libseccomp, the mount and cgroup code, and
 * the pages of libc, json-c and the rest that they ran. Its resident set
 * after launch is mostly that. A second after the start, and after a quiet
 * period that follows activity (supervise.c), two steps shrink it to what
 * the loop really uses:
 *
 *   1. malloc_trim: free heap pages go back to the kernel.
 *   2. Clean private file mappings are dropped (MADV_DONTNEED): a mapping
 *      that is not writable and holds no anonymous (copied-on-write) page -
 *      code and read-only data of the binary and its libraries - has every
 *      page equal to the file's, so dropping its page table entries changes
 *      nothing but the resident set: the next touch faults the page back in
 *      from the page cache, which all supervisors share. Mappings that were
 *      written (relocated RELRO data, .data, .bss, heap, stack) are never
 *      touched; /proc/self/smaps says which is which, so nothing is assumed
 *      about a library's layout.
 *
 * What stays resident is the loop's working set: a few pages of code, the
 * written data, the heap in use.
 */
#include "trim.h"

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/mman.h>

struct mapping {
	uintptr_t start, end;
	bool candidate; /* private, not writable, backed by a file */
	bool anon_pages;
	bool seen_anon;
};

/* The clean mappings, collected while smaps is read and dropped only
 * after it: dropping them on the way would fault the parser's own code
 * (libc's scanf, string functions) straight back in. */
#define TRIM_MAX 512
struct ranges {
	size_t n;
	struct {
		uintptr_t start, end;
	} r[TRIM_MAX];
};

static void flush(const struct mapping *m, struct ranges *rs)
{
	/* "Anonymous:" not seen (a kernel without the field) counts as
	 * written: only what smaps proves clean is dropped. */
	if (!m->candidate || m->anon_pages || !m->seen_anon || m->end <= m->start || rs->n == TRIM_MAX)
		return;
	rs->r[rs->n].start = m->start;
	rs->r[rs->n].end = m->end;
	rs->n++;
}

static void header(const char *line, struct mapping *m)
{
	/* START-END PERMS OFFSET DEV INODE [PATH] */
	uintmax_t start, end, inode;
	char perms[8];
	int path_at = 0;
	*m = (struct mapping){ 0 };
	if (sscanf(line, "%jx-%jx %7s %*s %*s %ju %n", &start, &end, perms, &inode, &path_at) < 4)
		return;
	m->start = (uintptr_t)start;
	m->end = (uintptr_t)end;
	m->candidate = strlen(perms) == 4 && perms[1] != 'w' && perms[3] == 'p' && inode != 0 && path_at > 0 &&
		       line[path_at] == '/';
}

static void field(const char *line, struct mapping *m)
{
	if (!vj_startswith(line, "Anonymous:"))
		return;
	m->seen_anon = true;
	m->anon_pages = strtoull(line + strlen("Anonymous:"), NULL, 10) != 0;
}

/* "START-END ...": hex digits, one '-', hex digits, a space. (Field
 * lines start with a name and a ':', and some names start with A-F.) */
static bool is_header(const char *line)
{
	size_t a = strspn(line, "0123456789abcdef");
	if (a == 0 || line[a] != '-')
		return false;
	size_t b = strspn(line + a + 1, "0123456789abcdef");
	return b > 0 && line[a + 1 + b] == ' ';
}

int vj_trim_memory(struct vj_trim_stats *st)
{
	*st = (struct vj_trim_stats){ 0 };
	malloc_trim(0);
	static struct ranges rs; /* 8 KiB: not on the stack of a loop callback */
	rs.n = 0;

	_cleanup_close_ int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Line by line through a fixed buffer: no heap growth while trimming
	 * it. A mapping whose smaps lines are split between reads is still
	 * seen whole: lines are reassembled below. */
	char buf[8192];
	size_t len = 0;
	struct mapping m = { 0 };
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
		buf[len] = '\0';
		char *p = buf, *nl;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			if (is_header(p)) {
				flush(&m, &rs);
				header(p, &m);
			} else {
				field(p, &m);
			}
			p = nl + 1;
		}
		size_t rest = len - (size_t)(p - buf);
		if (n == 0 || rest == sizeof(buf) - 1)
			break; /* EOF, or a line longer than the buffer: stop */
		memmove(buf, p, rest);
		len = rest;
	}
	flush(&m, &rs);
	for (size_t i = 0; i < rs.n; i++) {
		if (madvise((void *)rs.r[i].start, rs.r[i].end - rs.r[i].start, MADV_DONTNEED) < 0)
			continue;
		st->mappings++;
		st->dropped_bytes += rs.r[i].end - rs.r[i].start;
	}
	return 0;
}
