/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.c - the jail's own cgroup: create it on every hierarchy that
 * holds a wanted controller, place the child, report, destroy.
 *
 * Theory of operation (vj_cgroup_create, host side, before clone):
 *  1. Detect the hierarchies (cgroup_detect.c) and resolve each wanted
 *     controller to the one hierarchy that holds it (v1 first: a controller
 *     bound to v1 is absent from v2). A controller the host lacks is an
 *     error for a required plan, a notice for an optional one.
 *  2. Besides those, the v2 hierarchy always gets a leaf when it is
 *     mounted and writable (it tracks every process of the jail, gives
 *     CLONE_INTO_CGROUP, cgroup.kill and the device program); without v2
 *     the v1 freezer does the tracking.
 *  3. The parent on each hierarchy: the plan's "parent"; else, when the
 *     current cgroup was delegated to us, the current cgroup; else (root)
 *     "/vmjail". Missing directories on the way are created (and, on v1
 *     cpuset, initialised from their parent; on v2 the wanted controllers
 *     are enabled in cgroup.subtree_control down to the leaf's parent).
 *  4. A leaf named after the jail id that already exists is a stale one
 *     from a run that did not clean up: everything in it is killed and it
 *     is removed, then the leaf is made fresh (mkdir, never reused).
 *  5. Limits, then the device allow-list (v1 devices files; the v2 BPF
 *     program).
 *  Any failure removes the leaves made so far and the parent directories
 *  this call created, so a failed create leaves nothing behind.
 *
 * Every file is reached with openat() from a directory fd of the cgroup,
 * never by re-resolving a path string.
 */
#include "cgroup_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "jsonw.h"
#include "plan.h"

#define KILL_TIMEOUT_MS 10000
#define SUPERVISOR_LEAF "vmjail-supervisor"

struct leaf {
	struct vj_cg_hier h;  /* copy of the hierarchy (owns its strings) */
	unsigned mask;        /* controllers limited through this leaf */
	char *fspath;         /* "/sys/fs/cgroup/memory/vmjail/ID" */
	int parentfd, fd;
	char **made;          /* parent dirs this create made, outermost first */
	bool created;         /* the leaf directory is ours to remove */
	bool by_self;         /* the child moves itself in (vj_cgroup_self_open) */
	int mountfd;
};

struct vj_cgroup {
	char *id;
	struct leaf l[VJ_CG_MAX_HIER];
	size_t n;
	int v2;               /* index of the v2 leaf, -1 */
	bool dev_bpf, dev_v1;
	char *dev_v1_skipped; /* why the v1 devices hierarchy got no leaf */
};

static void hier_copy(struct vj_cg_hier *d, const struct vj_cg_hier *s)
{
	d->v2 = s->v2;
	d->mask = s->mask;
	d->current_mask = s->current_mask;
	d->name = vj_xstrdup(s->name);
	d->mountpoint = vj_xstrdup(s->mountpoint);
	d->mount_root = vj_xstrdup(s->mount_root);
	d->current = vj_xstrdup(s->current);
}

static void leaf_free(struct leaf *l)
{
	free(l->h.name);
	free(l->h.mountpoint);
	free(l->h.mount_root);
	free(l->h.current);
	free(l->fspath);
	vj_strv_free(l->made);
	vj_closep(&l->fd);
	vj_closep(&l->parentfd);
	vj_closep(&l->mountfd);
}

static bool is_freezer(const struct leaf *l)
{
	return !l->h.v2 && (l->h.mask & VJ_CGC_BIT(VJ_CGC_FREEZER));
}

/* Undo the parent directories a failed create made (innermost first);
 * a directory another jail uses meanwhile is not empty and stays. */
static void unmake_parents(struct leaf *l)
{
	for (size_t i = vj_strv_len(l->made); i-- > 0;)
		if (unlinkat(l->mountfd, l->made[i], AT_REMOVEDIR) < 0)
			break;
}

static void cg_free(struct vj_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++)
		leaf_free(&cg->l[i]);
	free(cg->id);
	free(cg->dev_v1_skipped);
	free(cg);
}

static bool id_valid(const char *id)
{
	return id && *id && strlen(id) < 200 && !strchr(id, '/') && id[0] != '.' && !strchr(id, '\n') &&
	       strcmp(id, SUPERVISOR_LEAF) != 0;
}

static char *mask_names(unsigned mask, bool v2)
{
	char buf[256] = "";
	size_t off = 0;
	for (int c = 0; c < VJ_CGC__COUNT; c++)
		if (mask & VJ_CGC_BIT(c))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? "," : "",
						vj_cgc_name(c, v2));
	return vj_xstrdup(buf);
}

_printf_(4, 5) static int skip_or_fail(bool required, char ***notices, struct vj_error *err, const char *fmt, ...)
{
	char msg[VJ_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (required)
		return vj_error_setx(err, EPERM, "%s", msg);
	if (notices) {
		_cleanup_free_ char *n = vj_xasprintf("%s; running without it", msg);
		if (vj_strv_push(notices, n) < 0)
			return vj_error_set(err, ENOMEM, "notice");
	}
	return 0;
}

static bool is_perm(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* Enable the controllers of mask in dirfd's cgroup.subtree_control. */
static int enable_controllers(int dirfd, unsigned mask)
{
	_cleanup_free_ char *cur = NULL;
	int r = vj_read_file_at(dirfd, "cgroup.subtree_control", 4096, &cur, NULL);
	if (r < 0)
		return r;
	char buf[256] = "";
	size_t off = 0;
	for (int c = 0; c < VJ_CGC__COUNT; c++) {
		if (!(mask & VJ_CGC_BIT(c)))
			continue;
		const char *name = vj_cgc_name(c, true);
		bool on = false;
		for (const char *s = cur; *s;) {
			size_t l = strcspn(s, " \n");
			if (l == strlen(name) && strncmp(s, name, l) == 0)
				on = true;
			s += l;
			s += strspn(s, " \n");
		}
		if (!on)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s+%s", off ? " " : "", name);
	}
	return off ? vj_write_file_at(dirfd, "cgroup.subtree_control", buf) : 0;
}

/* The v2 "no internal processes" rule: a delegated cgroup we sit in
 * cannot hand controllers to children while we are in it; move this
 * process into a leaf of its own next to the jails. */
static int leave_delegated_base(int basefd)
{
	if (mkdirat(basefd, SUPERVISOR_LEAF, 0755) < 0 && errno != EEXIST)
		return -errno;
	_cleanup_close_ int fd = openat(basefd, SUPERVISOR_LEAF, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	return vj_write_file_at(fd, "cgroup.procs", "0");
}

/* True when this process is listed in the cgroup at fd. */
static bool holds_self(int fd)
{
	_cleanup_free_ char *procs = NULL;
	if (vj_read_file_at(fd, "cgroup.procs", 16 << 20, &procs, NULL) < 0)
		return false;
	long self = (long)getpid();
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid == self)
			return true;
		p = end + strspn(end, "\n");
	}
	return false;
}

/* Open (creating what is missing) the parent cgroup rel below the mount
 * and set l->parentfd. On v2, enable the controllers of v2mask in every
 * directory from the mount root down to the parent, or, for a delegated
 * base, in the base only (above it belongs to whoever delegated it). */
static int open_parent(struct leaf *l, const char *rel, bool delegated_base, unsigned v2mask)
{
	_cleanup_close_ int fd = openat(l->mountfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	bool enable = !delegated_base; /* from the mount root when not delegated */
	_cleanup_free_ char *walked = vj_xstrdup("");
	_cleanup_free_ char *copy = vj_xstrdup(rel);
	char *save = NULL;
	size_t depth_base = 0, depth = 0; /* components of rel; how deep we are */
	if (strcmp(rel, ".") != 0)
		for (const char *s = rel; s; s = strchr(s + 1, '/'))
			depth_base++;
	for (char *comp = strtok_r(copy, "/", &save);; comp = strtok_r(NULL, "/", &save)) {
		if (comp && strcmp(comp, ".") == 0)
			continue;
		if (l->h.v2 && v2mask && (enable || (delegated_base && depth == depth_base))) {
			/* Leave the base before enabling anything: a threaded
			 * controller (pids, cpu) is enabled without EBUSY while
			 * we sit in it, and the base then turns "domain
			 * threaded", which no jail's cgroup can join. */
			if (delegated_base && depth == depth_base && holds_self(fd)) {
				int m = leave_delegated_base(fd);
				if (m < 0)
					return m;
			}
			int r = enable_controllers(fd, v2mask);
			if (r == -EBUSY && delegated_base && depth == depth_base) {
				r = leave_delegated_base(fd);
				if (r >= 0)
					r = enable_controllers(fd, v2mask);
			}
			if (r < 0)
				return r;
		}
		if (!comp)
			break;
		char *nw = vj_xasprintf("%s%s%s", walked, *walked ? "/" : "", comp);
		free(walked);
		walked = nw;
		depth++;
		_cleanup_close_ int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) == 0) {
				if (vj_strv_push(&l->made, walked) < 0)
					return -ENOMEM;
			} else if (errno != EEXIST) {
				return -errno;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		}
		if (next < 0)
			return -errno;
		/* v1 cpuset: a directory without CPUs takes no tasks and no
		 * children; fill it from its parent (also one a concurrent
		 * jail made a moment ago and has not filled yet). */
		if (!l->h.v2 && (l->h.mask & VJ_CGC_BIT(VJ_CGC_CPUSET))) {
			int r = vj_cg_cpuset_inherit(fd, next);
			if (r < 0)
				return r;
		}
		vj_closep(&fd);
		fd = TAKE_FD(next);
	}
	l->parentfd = TAKE_FD(fd);
	return 0;
}

/* Make the leaf on one hierarchy. Returns 0, -errno with err set, or 1
 * when the hierarchy is not writable for us (err describes it). */
static int make_leaf(struct vj_cgroup *cg, const struct vj_cg_hier *h, unsigned mask,
		     const struct vj_cgroup_plan *p, char ***notices, struct vj_error *err)
{
	struct leaf *l = &cg->l[cg->n];
	memset(l, 0, sizeof(*l));
	l->fd = l->parentfd = l->mountfd = -1;
	hier_copy(&l->h, h);
	l->mask = mask;
	cg->n++;

	bool delegated = false;
	const char *base = p->parent;
	if (!base) {
		if (vj_cg_delegated(h)) {
			delegated = true;
			base = h->current;
		} else if (geteuid() == 0) {
			base = "/vmjail";
		} else {
			vj_error_setx(err, EACCES, "not root and the current cgroup %s is not delegated", h->current);
			return 1;
		}
	}
	unsigned v2mask = h->v2 ? (mask & ~(VJ_CGC_BIT(VJ_CGC_DEVICES) | VJ_CGC_BIT(VJ_CGC_FREEZER))) : 0;
	if (delegated && (v2mask & ~h->current_mask)) {
		_cleanup_free_ char *names = mask_names(v2mask & ~h->current_mask, true);
		vj_error_setx(err, EOPNOTSUPP, "the delegated cgroup %s does not offer %s (cgroup.controllers)",
			      h->current, names);
		return 1;
	}
	_cleanup_free_ char *rel = NULL;
	int r = vj_cg_mount_relative(h, base, &rel);
	if (r < 0)
		return vj_error_setx(err, EXDEV, "%s is not visible in the %s mount at %s", base, h->name,
				     h->mountpoint);
	l->fspath = vj_xasprintf("%s%s%s/%s", h->mountpoint, strcmp(rel, ".") ? "/" : "",
				 strcmp(rel, ".") ? rel : "", cg->id);
	l->mountfd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->mountfd < 0)
		return vj_error_set(err, errno, "%s", h->mountpoint);

	for (int attempt = 0;; attempt++) {
		r = open_parent(l, rel, delegated, v2mask);
		if (is_perm(r)) {
			vj_error_set(err, r, "%s%s%s", h->mountpoint, *rel == '.' ? "" : "/", *rel == '.' ? "" : rel);
			return 1;
		}
		if (r == -EBUSY) {
			_cleanup_free_ char *names = mask_names(v2mask, true);
			return vj_error_setx(err, EBUSY,
					     "%s%s%s has processes of its own, so it cannot enable %s for "
					     "child cgroups (cgroup v2 \"no internal processes\" rule); choose a "
					     "parent without processes",
					     h->mountpoint, *rel == '.' ? "" : "/", *rel == '.' ? "" : rel, names);
		}
		if (r < 0)
			return vj_error_set(err, r, "creating the parent %s of %s", base, l->fspath);

		r = vj_cg_remove_tree(l->parentfd, cg->id, h->v2, is_freezer(l), KILL_TIMEOUT_MS);
		if (r < 0 && r != -ENOENT)
			return vj_error_set(err, r, "removing the stale cgroup %s of an earlier run",
					    l->fspath);
		if (mkdirat(l->parentfd, cg->id, 0755) == 0) {
			l->created = true;
			break;
		}
		r = -errno;
		if (r == -ENOENT && attempt < 3) {
			/* A concurrent jail's rollback removed our parent. */
			vj_closep(&l->parentfd);
			continue;
		}
		if (is_perm(r)) {
			vj_error_set(err, r, "%s", l->fspath);
			return 1;
		}
		if (r == -EEXIST)
			return vj_error_setx(err, EEXIST, "%s appeared while it was being created "
					     "(another jail with the same id?)", l->fspath);
		return vj_error_set(err, r, "mkdir %s", l->fspath);
	}
	l->fd = openat(l->parentfd, cg->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (l->fd < 0)
		return vj_error_set(err, errno, "%s", l->fspath);

	if (!h->v2 && (h->mask & VJ_CGC_BIT(VJ_CGC_CPUSET)) && (r = vj_cg_cpuset_inherit(l->parentfd, l->fd)) < 0)
		return vj_error_set(err, r, "%s: initialising cpuset.cpus/mems from the parent", l->fspath);
	if (h->v2) {
		r = vj_cg_limits_v2(l->fd, mask, p, notices, err);
	} else {
		r = 0;
		for (int c = 0; r >= 0 && c < VJ_CGC__COUNT; c++)
			if (mask & VJ_CGC_BIT(c))
				r = vj_cg_limits_v1(l->fd, c, p, notices, err);
	}
	if (r < 0)
		return vj_error_prefix(err, "%s", l->fspath);
	return 0;
}

static int remove_leaf(struct vj_cgroup *cg, struct leaf *l)
{
	if (!l->created)
		return 0;
	int r = vj_cg_remove_tree(l->parentfd, cg->id, l->h.v2, is_freezer(l), KILL_TIMEOUT_MS);
	return r == -ENOENT ? 0 : r;
}

static void rollback(struct vj_cgroup *cg)
{
	for (size_t i = cg->n; i-- > 0;) {
		remove_leaf(cg, &cg->l[i]);
		if (cg->l[i].mountfd >= 0)
			unmake_parents(&cg->l[i]);
	}
	cg_free(cg);
}

/* A leaf of this id left on a hierarchy this run does not use. */
static void sweep_stale(const struct vj_cg_hier *h, const struct vj_cgroup_plan *p, const char *id)
{
	const char *base = p->parent;
	if (!base)
		base = vj_cg_delegated(h) ? h->current : geteuid() == 0 ? "/vmjail" : NULL;
	_cleanup_free_ char *rel = NULL;
	if (!base || vj_cg_mount_relative(h, base, &rel) < 0)
		return;
	_cleanup_close_ int mfd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return;
	_cleanup_close_ int pfd = openat(mfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0)
		(void)vj_cg_remove_tree(pfd, id, h->v2, !h->v2 && (h->mask & VJ_CGC_BIT(VJ_CGC_FREEZER)),
					KILL_TIMEOUT_MS);
}

static int apply_devices(struct vj_cgroup *cg, const struct vj_plan *plan, char ***notices, struct vj_error *err)
{
	const struct vj_cgroup_plan *p = &plan->cgroup;
	_cleanup_free_ struct vj_cg_dev *devs = NULL;
	size_t n = 0;
	int r = vj_cg_plan_devices(plan, &devs, &n, err);
	if (r < 0)
		return r;
	struct vj_error e1 = { 0 }, e2 = { 0 };
	for (size_t i = 0; i < cg->n; i++) {
		struct leaf *l = &cg->l[i];
		if (l->h.v2 || !(l->mask & VJ_CGC_BIT(VJ_CGC_DEVICES)))
			continue;
		r = vj_cg_devices_v1(l->fd, devs, n, &e1);
		if (r < 0 && !is_perm(r))
			return vj_error_set(err, r, "%s: %s", l->fspath, e1.msg);
		cg->dev_v1 = r >= 0;
		if (r < 0)
			vj_error_prefix(&e1, "%s", l->fspath);
	}
	/* The v2 program only where the v1 controller does not hold the jail:
	 * the kernel asks both for every device access, and either refuses
	 * what the list lacks; loading the program (the BPF verifier) was the
	 * costliest step of a launch after the namespaces. */
	if (cg->dev_v1) {
		/* enforced */
	} else if (cg->v2 >= 0) {
		r = vj_cg_bpf_devices_attach(cg->l[cg->v2].fd, devs, n, &e2);
		cg->dev_bpf = r >= 0;
	} else {
		vj_error_setx(&e2, ENOENT, "no v2 cgroup for a device program");
	}
	if (cg->dev_v1 || cg->dev_bpf)
		return 0;
	return skip_or_fail(p->devices == VJ_CGROUP_DEVICES_REQUIRED, notices, err,
			    "devices: cannot enforce the device allow-list (v1 devices: %s; v2: %s)",
			    e1.code ? e1.msg : cg->dev_v1_skipped ? cg->dev_v1_skipped : "no devices hierarchy", e2.msg);
}

int vj_cgroup_create(const struct vj_plan *plan, struct vj_cgroup **out, char ***notices, struct vj_error *err)
{
	const struct vj_cgroup_plan *p = &plan->cgroup;
	*out = NULL;
	if (!p->enabled)
		return 0;
	if (!id_valid(plan->id))
		return vj_error_setx(err, EINVAL, "jail id \"%s\" cannot name a cgroup",
				     plan->id ? plan->id : "");

	struct vj_cg_hosts hs;
	int r = vj_cg_detect(&hs, err);
	if (r < 0)
		return r;

	unsigned want = 0, hmask[VJ_CG_MAX_HIER] = { 0 };
	bool use[VJ_CG_MAX_HIER] = { false };
	if (p->has_memory_max || p->has_swap_max)
		want |= VJ_CGC_BIT(VJ_CGC_MEMORY);
	if (p->has_pids_max)
		want |= VJ_CGC_BIT(VJ_CGC_PIDS);
	if (p->has_cpu_weight || p->has_cpu_max)
		want |= VJ_CGC_BIT(VJ_CGC_CPU);
	if (p->cpuset_cpus || p->cpuset_mems)
		want |= VJ_CGC_BIT(VJ_CGC_CPUSET);
	if (p->has_io_weight)
		want |= VJ_CGC_BIT(VJ_CGC_IO);
	for (int c = 0; c < VJ_CGC__COUNT; c++) {
		if (!(want & VJ_CGC_BIT(c)))
			continue;
		int i = vj_cg_find(&hs, c);
		if (i < 0) {
			r = skip_or_fail(p->required, notices, err,
					 "the %s controller is not available (not mounted, or not enabled for "
					 "this cgroup on v2)", vj_cgc_name(c, true));
			if (r < 0)
				goto out;
			continue;
		}
		hmask[i] |= VJ_CGC_BIT(c);
		use[i] = true;
	}
	if (p->devices != VJ_CGROUP_DEVICES_OFF) {
		int i = vj_cg_find(&hs, VJ_CGC_DEVICES);
		if (i >= 0 && !hs.h[i].v2) {
			hmask[i] |= VJ_CGC_BIT(VJ_CGC_DEVICES);
			use[i] = true;
		}
	}
	int v2 = vj_cg_find_v2(&hs);
	if (v2 >= 0) {
		use[v2] = true;
	} else {
		int f = vj_cg_find(&hs, VJ_CGC_FREEZER);
		if (f >= 0)
			use[f] = true;
	}

	for (size_t i = 0; i < hs.n; i++)
		if (!use[i] && (hs.h[i].v2 || hs.h[i].mask))
			sweep_stale(&hs.h[i], p, plan->id);

	struct vj_cgroup *cg = vj_xcalloc(1, sizeof(*cg));
	cg->id = vj_xstrdup(plan->id);
	cg->v2 = -1;
	bool skipped_limits = false;
	/* v2 first: it is the tracker and the clone target. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < hs.n; i++) {
			if (!use[i] || hs.h[i].v2 != (pass == 0))
				continue;
			struct vj_error e = { 0 };
			r = make_leaf(cg, &hs.h[i], hmask[i], p, notices, &e);
			if (r == 1) {
				/* Not writable for us: drop this hierarchy. */
				struct leaf *l = &cg->l[--cg->n];
				unmake_parents(l);
				leaf_free(l);
				if (hmask[i] & VJ_CGC_BIT(VJ_CGC_DEVICES)) {
					free(cg->dev_v1_skipped);
					cg->dev_v1_skipped = vj_xstrdup(e.msg);
				}
				unsigned limits = hmask[i] & ~VJ_CGC_BIT(VJ_CGC_DEVICES);
				if (!limits)
					continue;
				_cleanup_free_ char *names = mask_names(limits, hs.h[i].v2);
				skipped_limits = true;
				r = skip_or_fail(p->required, notices, err,
						 "no writable cgroup for %s (%s; need a delegated subtree, e.g. "
						 "systemd Delegate=yes, or run as root)", names, e.msg);
				if (r < 0) {
					rollback(cg);
					goto out;
				}
				continue;
			}
			if (r < 0) {
				*err = e;
				rollback(cg);
				goto out;
			}
			if (hs.h[i].v2)
				cg->v2 = (int)cg->n - 1;
		}
	}
	if (cg->n == 0) {
		cg_free(cg);
		/* One notice per run: the limits it runs without were named
		 * above; otherwise say the jail has no cgroup at all. */
		r = skipped_limits ? 0 :
				     skip_or_fail(p->required, notices, err,
						  "no writable cgroup (need a delegated subtree, e.g. systemd "
						  "Delegate=yes, or run as root)");
		goto out;
	}
	if (p->devices != VJ_CGROUP_DEVICES_OFF && (r = apply_devices(cg, plan, notices, err)) < 0) {
		rollback(cg);
		goto out;
	}
	for (size_t i = 0; i < cg->n; i++) {
		vj_strv_free(cg->l[i].made);
		cg->l[i].made = NULL;
	}
	*out = cg;
	r = 0;
out:
	vj_cg_hosts_free(&hs);
	return r;
}

int vj_cgroup_clone_fd(const struct vj_cgroup *cg)
{
	return cg && cg->v2 >= 0 ? cg->l[cg->v2].fd : -1;
}

bool vj_cgroup_clone_covers_all(const struct vj_cgroup *cg)
{
	return cg && cg->v2 >= 0 && cg->n == 1;
}

bool vj_cgroup_placed_without_parent(const struct vj_cgroup *cg, bool clone_into)
{
	for (size_t i = 0; cg && i < cg->n; i++)
		if (!cg->l[i].by_self && !(clone_into && (int)i == cg->v2))
			return false;
	return true;
}

/* Why the child moves itself into its v1 cgroups: writing another
 * process's pid to cgroup.procs takes the kernel's global threadgroup
 * semaphore for writing, and taking a percpu rwsem for writing waits for
 * an RCU grace period - 5 to 25 ms here, per write, most of a launch. A
 * single thread moving itself (it writes "0" to "tasks") cannot exit or
 * exec meanwhile, so the kernel skips that lock (cgroup_procs_write_start
 * in kernel/cgroup/cgroup.c). The child is single-threaded until it forks
 * PROGRAM, so moving its only thread moves the process, and everything it
 * forks is born inside. The files are opened here, by the supervisor,
 * with its credentials; v2 leaves keep CLONE_INTO_CGROUP (or a write
 * here: a v2 cgroup.procs write takes the lock whatever the pid). */
size_t vj_cgroup_views(const struct vj_cgroup *cg, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; cg && i < cg->n && n < max; i++)
		out[n++] = cg->l[i].h.v2 ? "" : cg->l[i].h.name;
	return n;
}

int vj_cgroup_self_open(struct vj_cgroup *cg, struct vj_cgroup_self *self, struct vj_error *err)
{
	self->n = 0;
	if (!cg)
		return 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct leaf *l = &cg->l[i];
		if (l->h.v2)
			continue;
		if (self->n == ARRAY_SIZE(self->fd))
			break; /* the rest through vj_cgroup_attach() */
		int fd = openat(l->fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			int e = errno;
			vj_cgroup_self_close(self);
			return vj_error_set(err, e, "%s/tasks", l->fspath);
		}
		self->fd[self->n] = fd;
		self->path[self->n++] = l->fspath;
	}
	for (size_t i = 0, k = 0; i < cg->n && k < self->n; i++)
		if (!cg->l[i].h.v2) {
			cg->l[i].by_self = true;
			k++;
		}
	return 0;
}

int vj_cgroup_self_attach(const struct vj_cgroup_self *self, struct vj_error *err)
{
	int r = 0;
	for (size_t i = 0; i < self->n; i++) {
		ssize_t w = r < 0 ? 0 : write(self->fd[i], "0", 1);
		if (r == 0 && w != 1)
			r = vj_error_set(err, w < 0 ? errno : EIO, "moving into %s", self->path[i]);
		close(self->fd[i]);
	}
	return r;
}

void vj_cgroup_self_close(struct vj_cgroup_self *self)
{
	for (size_t i = 0; i < self->n; i++)
		close(self->fd[i]);
	self->n = 0;
}

int vj_cgroup_attach(struct vj_cgroup *cg, pid_t pid, bool clone_used, struct vj_error *err)
{
	if (!cg)
		return 0;
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		if ((clone_used && (int)i == cg->v2) || cg->l[i].by_self)
			continue;
		int r = vj_write_file_at(cg->l[i].fd, "cgroup.procs", buf);
		if (r < 0)
			return vj_error_set(err, r, "moving %d into %s", (int)pid, cg->l[i].fspath);
	}
	return 0;
}

json_object *vj_cgroup_to_json(const struct vj_cgroup *cg)
{
	json_object *o = json_object_new_object();
	if (!cg)
		return o;
	for (size_t i = 0; i < cg->n; i++)
		vj_json_add_string(o, cg->l[i].h.v2 ? "v2" : cg->l[i].h.name, cg->l[i].fspath);
	vj_json_add_string(o, "device_filter",
			   cg->dev_bpf && cg->dev_v1 ? "bpf+v1" : cg->dev_bpf ? "bpf" : cg->dev_v1 ? "v1" : "none");
	return o;
}

/* The value of "key N" in a flat-keyed cgroup file, 0 when absent. */
static uint64_t keyed(int dirfd, const char *file, const char *key)
{
	_cleanup_free_ char *buf = NULL;
	if (vj_read_file_at(dirfd, file, 1 << 16, &buf, NULL) < 0)
		return 0;
	size_t kl = strlen(key);
	for (char *s = buf; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (strncmp(s, key, kl) == 0 && s[kl] == ' ')
			return strtoull(s + kl + 1, NULL, 10);
	return 0;
}

void vj_cgroup_report_exit(const struct vj_cgroup *cg, json_object *rec)
{
	if (!cg)
		return;
	uint64_t oom = 0, pids = 0;
	for (size_t i = 0; i < cg->n; i++) {
		const struct leaf *l = &cg->l[i];
		if (l->h.v2) {
			if (l->mask & VJ_CGC_BIT(VJ_CGC_MEMORY))
				oom += keyed(l->fd, "memory.events", "oom_kill");
			if (l->mask & VJ_CGC_BIT(VJ_CGC_PIDS))
				pids += keyed(l->fd, "pids.events", "max");
		} else {
			if (l->mask & VJ_CGC_BIT(VJ_CGC_MEMORY))
				oom += keyed(l->fd, "memory.oom_control", "oom_kill");
			if (l->mask & VJ_CGC_BIT(VJ_CGC_PIDS))
				pids += keyed(l->fd, "pids.events", "max");
		}
	}
	if (oom) {
		vj_json_add_bool(rec, "oom_killed", true);
		vj_json_add_uint(rec, "oom_kills", oom);
	}
	if (pids)
		vj_json_add_bool(rec, "pids_limit_hit", true);
}

int vj_cgroup_destroy(struct vj_cgroup *cg, struct vj_error *err)
{
	if (!cg)
		return 0;
	int ret = 0;
	/* Usually the jail is gone by now (its init's exit ended the pid
	 * namespace): the kernel removes a leaf only when it holds no process
	 * and no child cgroup, so one rmdir that succeeds is the whole job. */
	bool v2_gone = false;
	for (size_t i = 0; i < cg->n; i++) {
		struct leaf *l = &cg->l[i];
		if (l->created && (unlinkat(l->parentfd, cg->id, AT_REMOVEDIR) == 0 || errno == ENOENT)) {
			l->created = false;
			v2_gone |= (int)i == cg->v2;
		}
	}
	/* The v2 leaf holds every process of the jail: empty it first, unless
	 * the rmdir above already found it empty. */
	if (cg->v2 >= 0 && !v2_gone)
		(void)vj_cg_kill_tree(cg->l[cg->v2].fd, true, false, KILL_TIMEOUT_MS);
	for (size_t i = 0; i < cg->n; i++) {
		int r = remove_leaf(cg, &cg->l[i]);
		if (r < 0 && ret == 0)
			ret = vj_error_set(err, r, "removing %s", cg->l[i].fspath);
	}
	cg_free(cg);
	return ret;
}
