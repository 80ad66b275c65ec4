/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_limits.c - the plan's limits as cgroupfs files, on v1 and v2, and
 * the device allow-list (the plan's device nodes; the v1 devices files).
 *
 *   limit          v2                       v1
 *   memory.max     memory.max               memory.limit_in_bytes
 *   swap_max       memory.swap.max          memory.memsw.limit_in_bytes (= max + swap)
 *   pids.max       pids.max                 pids.max
 *   cpu.weight     cpu.weight               cpu.shares (= weight * 1024 / 100)
 *   cpu.max        cpu.max "QUOTA PERIOD"   cpu.cfs_period_us, cpu.cfs_quota_us
 *   cpuset         cpuset.cpus / .mems      cpuset.cpus / .mems (initialised
 *                                           from the parent first)
 *   io.weight      io.weight "default N"    blkio.weight (= weight * 5, 10..1000)
 *                  (or io.bfq.weight)       (or blkio.bfq.weight)
 *
 * A file the host does not have (no swap accounting, no blkio.weight) is
 * "unavailable": an error when the plan is required, else one notice. A
 * value the kernel refuses (a CPU that does not exist) is always an error.
 */
#include "cgroup_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "plan.h"

_printf_(4, 5) static int unavailable(const struct vj_cgroup_plan *p, char ***notices, struct vj_error *err,
				       const char *fmt, ...)
{
	char msg[VJ_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->required)
		return vj_error_setx(err, EOPNOTSUPP, "%s", msg);
	if (notices) {
		_cleanup_free_ char *n = vj_xasprintf("%s; running without it", msg);
		if (!vj_strv_contains(*notices, n) && vj_strv_push(notices, n) < 0)
			return vj_error_set(err, ENOMEM, "notice");
	}
	return 0;
}

static bool has_file(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, 0) == 0;
}

static int knob(int dirfd, const char *file, const char *val, struct vj_error *err)
{
	int r = vj_write_file_at(dirfd, file, val);
	if (r < 0)
		return vj_error_set(err, r, "%s = \"%s\"", file, val);
	return 0;
}

static int knob_u64(int dirfd, const char *file, uint64_t v, const char *unlimited, struct vj_error *err)
{
	char buf[32];
	if (v == VJ_CGROUP_UNLIMITED)
		snprintf(buf, sizeof(buf), "%s", unlimited);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return knob(dirfd, file, buf, err);
}

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int vj_cg_cpuset_inherit(int parentfd, int dirfd)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL;
		int r = vj_read_file_at(dirfd, files[i], 1 << 16, &mine, NULL);
		if (r < 0)
			return r;
		if (mine[strspn(mine, " \n")])
			continue;
		r = vj_read_file_at(parentfd, files[i], 1 << 16, &theirs, NULL);
		if (r < 0)
			return r;
		theirs[strcspn(theirs, "\n")] = '\0';
		if (!*theirs)
			return -ENOSPC; /* the parent is empty too */
		r = vj_write_file_at(dirfd, files[i], theirs);
		if (r < 0)
			return r;
	}
	return 0;
}

int vj_cg_limits_v1(int dirfd, enum vj_cgc c, const struct vj_cgroup_plan *p, char ***notices,
		    struct vj_error *err)
{
	int r = 0;
	switch (c) {
	case VJ_CGC_MEMORY:
		if (p->has_memory_max && (r = knob_u64(dirfd, "memory.limit_in_bytes", p->memory_max, "-1", err)) < 0)
			return r;
		if (p->has_swap_max) {
			if (!has_file(dirfd, "memory.memsw.limit_in_bytes"))
				return unavailable(p, notices, err,
						   "memory.swap_max: the v1 memory controller has no swap accounting "
						   "(memory.memsw.limit_in_bytes)");
			if (!p->has_memory_max || p->memory_max == VJ_CGROUP_UNLIMITED)
				return unavailable(p, notices, err,
						   "memory.swap_max: on cgroup v1 a swap limit needs memory.max too");
			uint64_t memsw = p->swap_max == VJ_CGROUP_UNLIMITED ? VJ_CGROUP_UNLIMITED
									     : p->memory_max + p->swap_max;
			r = knob_u64(dirfd, "memory.memsw.limit_in_bytes", memsw, "-1", err);
		}
		return r;
	case VJ_CGC_PIDS:
		if (p->has_pids_max)
			r = knob_u64(dirfd, "pids.max", p->pids_max, "max", err);
		return r;
	case VJ_CGC_CPU:
		if (p->has_cpu_weight) {
			if (!has_file(dirfd, "cpu.shares"))
				return unavailable(p, notices, err, "cpu.weight: no cpu.shares in the v1 cpu controller");
			r = knob_u64(dirfd, "cpu.shares", clamp_u64(p->cpu_weight * 1024 / 100, 2, 262144), "", err);
			if (r < 0)
				return r;
		}
		if (p->has_cpu_max) {
			if (!has_file(dirfd, "cpu.cfs_quota_us"))
				return unavailable(p, notices, err, "cpu.max: no CFS bandwidth control (cpu.cfs_quota_us)");
			r = knob_u64(dirfd, "cpu.cfs_period_us", p->cpu_period_us, "", err);
			if (r >= 0)
				r = knob_u64(dirfd, "cpu.cfs_quota_us", p->cpu_quota_us, "-1", err);
		}
		return r;
	case VJ_CGC_CPUSET:
		if (p->cpuset_cpus && (r = knob(dirfd, "cpuset.cpus", p->cpuset_cpus, err)) < 0)
			return r;
		if (p->cpuset_mems)
			r = knob(dirfd, "cpuset.mems", p->cpuset_mems, err);
		return r;
	case VJ_CGC_IO:
		if (p->has_io_weight) {
			if (has_file(dirfd, "blkio.weight"))
				return knob_u64(dirfd, "blkio.weight", clamp_u64(p->io_weight * 5, 10, 1000), "", err);
			if (has_file(dirfd, "blkio.bfq.weight"))
				return knob_u64(dirfd, "blkio.bfq.weight", clamp_u64(p->io_weight * 5, 1, 1000), "", err);
			return unavailable(p, notices, err,
					   "io.weight: the v1 blkio controller has neither blkio.weight nor blkio.bfq.weight");
		}
		return 0;
	default:
		return 0;
	}
}

int vj_cg_limits_v2(int dirfd, unsigned mask, const struct vj_cgroup_plan *p, char ***notices,
		    struct vj_error *err)
{
	int r;
	char buf[64];
	if (mask & VJ_CGC_BIT(VJ_CGC_MEMORY)) {
		if (p->has_memory_max && (r = knob_u64(dirfd, "memory.max", p->memory_max, "max", err)) < 0)
			return r;
		if (p->has_swap_max) {
			if (!has_file(dirfd, "memory.swap.max")) {
				r = unavailable(p, notices, err, "memory.swap_max: no swap accounting (memory.swap.max)");
				if (r < 0)
					return r;
			} else if ((r = knob_u64(dirfd, "memory.swap.max", p->swap_max, "max", err)) < 0) {
				return r;
			}
		}
	}
	if ((mask & VJ_CGC_BIT(VJ_CGC_PIDS)) && p->has_pids_max &&
	    (r = knob_u64(dirfd, "pids.max", p->pids_max, "max", err)) < 0)
		return r;
	if (mask & VJ_CGC_BIT(VJ_CGC_CPU)) {
		if (p->has_cpu_weight && (r = knob_u64(dirfd, "cpu.weight", p->cpu_weight, "", err)) < 0)
			return r;
		if (p->has_cpu_max) {
			if (p->cpu_quota_us == VJ_CGROUP_UNLIMITED)
				snprintf(buf, sizeof(buf), "max %" PRIu64, p->cpu_period_us);
			else
				snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, p->cpu_quota_us, p->cpu_period_us);
			if ((r = knob(dirfd, "cpu.max", buf, err)) < 0)
				return r;
		}
	}
	if (mask & VJ_CGC_BIT(VJ_CGC_CPUSET)) {
		if (p->cpuset_cpus && (r = knob(dirfd, "cpuset.cpus", p->cpuset_cpus, err)) < 0)
			return r;
		if (p->cpuset_mems && (r = knob(dirfd, "cpuset.mems", p->cpuset_mems, err)) < 0)
			return r;
	}
	if ((mask & VJ_CGC_BIT(VJ_CGC_IO)) && p->has_io_weight) {
		snprintf(buf, sizeof(buf), "default %" PRIu64, p->io_weight);
		if (has_file(dirfd, "io.weight"))
			return knob(dirfd, "io.weight", buf, err);
		if (has_file(dirfd, "io.bfq.weight"))
			return knob_u64(dirfd, "io.bfq.weight", clamp_u64(p->io_weight, 1, 1000), "", err);
		return unavailable(p, notices, err, "io.weight: no io.weight (no IO scheduler with weights)");
	}
	return 0;
}

int vj_cg_devices_v1(int dirfd, const struct vj_cg_dev *devs, size_t n, struct vj_error *err)
{
	int r = knob(dirfd, "devices.deny", "a", err);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char rule[64];
		if (devs[i].minor == VJ_CG_ANY_MINOR)
			snprintf(rule, sizeof(rule), "%c %" PRIu32 ":* rw", devs[i].type, devs[i].major);
		else
			snprintf(rule, sizeof(rule), "%c %" PRIu32 ":%" PRIu32 " rw", devs[i].type, devs[i].major,
				 devs[i].minor);
		r = knob(dirfd, "devices.allow", rule, err);
	}
	return r;
}

static void dev_push(struct vj_cg_dev **v, size_t *n, char type, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].type == type && (*v)[i].major == major && (*v)[i].minor == minor)
			return;
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		abort();
	(*v)[(*n)++] = (struct vj_cg_dev){ type, major, minor };
}

static void dev_from_stat(struct vj_cg_dev **v, size_t *n, const struct stat *st)
{
	if (S_ISCHR(st->st_mode))
		dev_push(v, n, 'c', major(st->st_rdev), minor(st->st_rdev));
	else if (S_ISBLK(st->st_mode))
		dev_push(v, n, 'b', major(st->st_rdev), minor(st->st_rdev));
}

int vj_cg_plan_devices(const struct vj_plan *plan, struct vj_cg_dev **out, size_t *nout, struct vj_error *err)
{
	struct vj_cg_dev *v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		if (m->skip)
			continue;
		if (m->type == VJ_MOUNT_DEVPTS) {
			dev_push(&v, &n, 'c', 5, 2); /* /dev/ptmx */
			for (uint32_t maj = 136; maj <= 143; maj++)
				dev_push(&v, &n, 'c', maj, VJ_CG_ANY_MINOR);
			continue;
		}
		if (m->type != VJ_MOUNT_DEV_BIND || !m->source)
			continue;
		_cleanup_close_ int fd = open(m->source, O_PATH | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (m->optional && errno == ENOENT)
				continue;
			int e = errno;
			free(v);
			return vj_error_set(err, e, "devices: %s", m->origin ? m->origin : m->source);
		}
		if (S_ISDIR(st.st_mode)) {
			/* A directory of nodes (/dev/dri): the nodes directly in it. */
			int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
			if (!d) {
				if (dfd >= 0)
					close(dfd);
				continue;
			}
			struct dirent *de;
			while ((de = readdir(d))) {
				struct stat cst;
				if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0)
					dev_from_stat(&v, &n, &cst);
			}
			closedir(d);
		} else {
			dev_from_stat(&v, &n, &st);
		}
	}
	*out = v;
	*nout = n;
	return 0;
}
