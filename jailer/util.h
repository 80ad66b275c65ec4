/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * util.h - small helpers shared by every layer: cleanup attributes, fd and
 * pointer ownership transfer, checked I/O.
 *
 * Conventions (systemd style): functions return 0 or a negative errno; an
 * fd is opened O_CLOEXEC from birth; a local that owns a resource carries a
 * _cleanup_ attribute so every early return frees or closes it, and
 * TAKE_FD/TAKE_PTR hand ownership on explicitly.
 */
#ifndef VJ_UTIL_H
#define VJ_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Built with AddressSanitizer (whose leak check at exit ptraces the
 * process, and whose runtime makes system calls of its own). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define VJ_SANITIZED 1
#else
#define VJ_SANITIZED 0
#endif

static inline void vj_freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(vj_freep)

static inline void vj_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(vj_closep)

/* Hand over ownership: returns the value and leaves -1 / NULL behind. */
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })

/* NULL-terminated string vectors. */
void vj_strv_free(char **v);
static inline void vj_strv_freep(char ***v) { vj_strv_free(*v); }
#define _cleanup_strv_ _cleanup_(vj_strv_freep)
size_t vj_strv_len(char *const *v);
bool vj_strv_contains(char *const *v, const char *s);
/* Append a copy of s; returns 0 or -ENOMEM. */
int vj_strv_push(char ***v, const char *s);
/* Push a formatted string; a NULL v is a no-op (callers that collect no
 * notices). */
void vj_strv_pushf(char ***v, const char *fmt, ...) _printf_(2, 3);
char **vj_strv_dup(char *const *v);

/* Abort on allocation failure: used only where no sensible recovery exists
 * (building the plan). The launch path after clone never allocates. */
/* CLOCK_MONOTONIC in milliseconds. */
int64_t vj_now_ms(void);

void *vj_xmalloc(size_t n);
void *vj_xcalloc(size_t n, size_t m);
char *vj_xstrdup(const char *s);
char *vj_xasprintf(const char *fmt, ...) _printf_(1, 2);
/* a b c, newly allocated (aborts like vj_xmalloc): no printf on hot paths. */
char *vj_strjoin(const char *a, const char *b, const char *c);

/* Loop over short writes and EINTR. Returns 0 or -errno. */
int vj_write_all(int fd, const void *buf, size_t len);
/* Read up to len bytes, looping over EINTR and short reads until EOF.
 * Returns bytes read or -errno. */
ssize_t vj_read_full(int fd, void *buf, size_t len);
/* Read a whole (small) file relative to dirfd (AT_FDCWD allowed) into a
 * NUL-terminated malloc'd buffer, at most max bytes. */
int vj_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
/* Write a string to a file (O_WRONLY|O_CLOEXEC, no create), e.g. /proc or
 * cgroupfs knobs. */
int vj_write_file_at(int dirfd, const char *path, const char *s);

/* Room for one fd passed with SCM_RIGHTS. */
union vj_cmsg_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};
/* Attach fd to mh as SCM_RIGHTS, with ctl as the control buffer (which
 * must live until sendmsg). */
void vj_cmsg_attach_fd(struct msghdr *mh, union vj_cmsg_fd *ctl, int fd);

/* Parse an unsigned decimal integer that must span the whole string. */
int vj_parse_u64(const char *s, uint64_t *out);
/* Parse a size with optional K/M/G/T suffix (powers of 1024). */
int vj_parse_size(const char *s, uint64_t *out);

static inline bool vj_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}
static inline bool vj_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

#endif
