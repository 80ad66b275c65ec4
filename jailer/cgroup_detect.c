/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_detect.c - which cgroup hierarchies this host has, where they are
 * mounted, which controllers each holds and where this process sits in
 * each. Nothing is assumed about mount points.
 *
 * Theory of operation:
 *  1. /proc/self/mountinfo: every "cgroup2" mount is the v2 hierarchy;
 *     every "cgroup" mount is a v1 hierarchy identified by the controllers
 *     in its super options ("rw,cpu,cpuacct"; "name=systemd" hierarchies
 *     carry no controller and are only recorded). A hierarchy mounted more
 *     than once is taken at the first mount whose root is "/", else the
 *     first one.
 *  2. /proc/self/cgroup: "ID:CONTROLLERS:PATH" gives the current cgroup on
 *     each v1 hierarchy (matched by controller or name) and "0::PATH" on
 *     v2.
 *  3. v2: the controllers the hierarchy offers are cgroup.controllers of
 *     its root (as our mount shows it); those of the current cgroup are
 *     what a delegated subtree can use. A controller bound to a v1
 *     hierarchy never appears there, so a hybrid host resolves each
 *     controller to exactly one hierarchy.
 */
#include "cgroup_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "jsonw.h"

static const char *const cgc_v1[VJ_CGC__COUNT] = {
	[VJ_CGC_MEMORY] = "memory", [VJ_CGC_PIDS] = "pids", [VJ_CGC_CPU] = "cpu",
	[VJ_CGC_CPUSET] = "cpuset", [VJ_CGC_IO] = "blkio", [VJ_CGC_DEVICES] = "devices",
	[VJ_CGC_FREEZER] = "freezer",
};
static const char *const cgc_v2[VJ_CGC__COUNT] = {
	[VJ_CGC_MEMORY] = "memory", [VJ_CGC_PIDS] = "pids", [VJ_CGC_CPU] = "cpu",
	[VJ_CGC_CPUSET] = "cpuset", [VJ_CGC_IO] = "io", [VJ_CGC_DEVICES] = "devices",
	[VJ_CGC_FREEZER] = "freezer",
};

const char *vj_cgc_name(enum vj_cgc c, bool v2)
{
	if ((unsigned)c >= VJ_CGC__COUNT)
		return "?";
	return v2 ? cgc_v2[c] : cgc_v1[c];
}

/* Controllers named in a comma- or space-separated list. */
static unsigned parse_mask(const char *list, bool v2)
{
	unsigned mask = 0;
	const char *s = list;
	while (*s) {
		size_t len = strcspn(s, ", \n");
		for (int c = 0; c < VJ_CGC__COUNT; c++) {
			const char *name = vj_cgc_name(c, v2);
			if (strlen(name) == len && strncmp(s, name, len) == 0)
				mask |= VJ_CGC_BIT(c);
		}
		s += len;
		s += strspn(s, ", \n");
	}
	return mask;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static void hier_free(struct vj_cg_hier *h)
{
	free(h->name);
	free(h->mountpoint);
	free(h->mount_root);
	free(h->current);
	memset(h, 0, sizeof(*h));
}

void vj_cg_hosts_free(struct vj_cg_hosts *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		hier_free(&hs->h[i]);
	hs->n = 0;
}

/* The v1 hierarchy identity from super options: the controllers we know
 * plus any others and name=, in the kernel's order ("cpu,cpuacct"). */
static char *v1_identity(const char *superopts)
{
	static const char *const skip[] = { "rw", "ro", "noprefix", "clone_children", "xattr",
					     "cpuset_v2_mode", "favordynmods", NULL };
	_cleanup_free_ char *copy = vj_xstrdup(superopts);
	char *save = NULL, *out = NULL;
	size_t len = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool ignore = vj_startswith(t, "release_agent=");
		for (size_t i = 0; skip[i]; i++)
			if (strcmp(t, skip[i]) == 0)
				ignore = true;
		if (ignore)
			continue;
		size_t tl = strlen(t);
		char *n = realloc(out, len + tl + 2);
		if (!n) {
			free(out);
			return NULL;
		}
		out = n;
		if (len)
			out[len++] = ',';
		memcpy(out + len, t, tl + 1);
		len += tl;
	}
	return out ? out : vj_xstrdup("");
}

static bool same_list(const char *a, const char *b)
{
	/* Both come from the kernel in its own order; compare as sets anyway. */
	_cleanup_free_ char *ca = vj_xstrdup(a);
	char *save = NULL;
	size_t na = 0, nb = 0;
	for (const char *s = b; *s; s++)
		if (*s == ',')
			nb++;
	if (*b)
		nb++;
	for (char *t = strtok_r(ca, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		na++;
		size_t tl = strlen(t);
		bool found = false;
		for (const char *s = b; *s;) {
			size_t l = strcspn(s, ",");
			if (l == tl && strncmp(s, t, l) == 0)
				found = true;
			s += l;
			if (*s == ',')
				s++;
		}
		if (!found)
			return false;
	}
	return na == nb;
}

static int parse_mountinfo(struct vj_cg_hosts *hs, struct vj_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r = vj_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &buf, NULL);
	if (r < 0)
		return vj_error_set(err, r, "reading /proc/self/mountinfo");
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		char *f[6] = { 0 };
		char *p = line;
		for (int i = 0; i < 6 && p; i++) {
			f[i] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		if (!p || !f[5])
			continue;
		char *dash = strstr(p, "- ");
		if (dash != p) {
			dash = strstr(p, " - ");
			if (!dash)
				continue;
			dash++;
		}
		char *fstype = dash + 2;
		char *source = strchr(fstype, ' ');
		if (!source)
			continue;
		*source++ = '\0';
		char *superopts = strchr(source, ' ');
		if (!superopts)
			continue;
		*superopts++ = '\0';
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		_cleanup_free_ char *name = v2 ? vj_xstrdup("v2") : v1_identity(superopts);
		if (!name)
			return vj_error_set(err, ENOMEM, "mountinfo");
		struct vj_cg_hier *h = NULL;
		for (size_t i = 0; i < hs->n; i++)
			if (hs->h[i].v2 == v2 && (v2 || same_list(hs->h[i].name, name)))
				h = &hs->h[i];
		if (h) {
			/* Seen already: prefer a mount of the hierarchy's root. */
			if (strcmp(h->mount_root, "/") == 0 || strcmp(f[3], "/") != 0)
				continue;
			free(h->mountpoint);
			free(h->mount_root);
		} else {
			if (hs->n == VJ_CG_MAX_HIER)
				continue;
			h = &hs->h[hs->n++];
			memset(h, 0, sizeof(*h));
			h->v2 = v2;
			h->name = TAKE_PTR(name);
			h->mask = v2 ? 0 : parse_mask(h->name, false);
		}
		h->mountpoint = vj_xstrdup(f[4]);
		h->mount_root = vj_xstrdup(f[3]);
	}
	return 0;
}

static int parse_self_cgroup(struct vj_cg_hosts *hs, struct vj_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r = vj_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &buf, NULL);
	if (r < 0)
		return vj_error_set(err, r, "reading /proc/self/cgroup");
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		if (!c1)
			continue;
		char *c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		bool v2 = strcmp(line, "0") == 0 && !*ctrls;
		for (size_t i = 0; i < hs->n; i++) {
			struct vj_cg_hier *h = &hs->h[i];
			if (h->v2 != v2 || h->current)
				continue;
			if (v2 || same_list(h->name, ctrls)) {
				h->current = vj_xstrdup(path);
				break;
			}
		}
	}
	return 0;
}

int vj_cg_detect(struct vj_cg_hosts *hs, struct vj_error *err)
{
	memset(hs, 0, sizeof(*hs));
	int r = parse_mountinfo(hs, err);
	if (r >= 0)
		r = parse_self_cgroup(hs, err);
	if (r < 0) {
		vj_cg_hosts_free(hs);
		return r;
	}
	/* Drop hierarchies we are not in (another cgroup namespace's view)
	 * and, on v2, learn what our level may enable. */
	size_t w = 0;
	for (size_t i = 0; i < hs->n; i++) {
		struct vj_cg_hier *h = &hs->h[i];
		if (!h->current || vj_startswith(h->current, "/../") ||
		    strstr(h->current, " (deleted)")) {
			hier_free(h);
			continue;
		}
		if (h->v2) {
			/* What the hierarchy offers (its root as we see it), and
			 * what our own cgroup may hand to children. */
			_cleanup_free_ char *rel = NULL, *root_ctl = NULL, *cur_ctl = NULL;
			_cleanup_close_ int mfd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (mfd >= 0 && vj_read_file_at(mfd, "cgroup.controllers", 4096, &root_ctl, NULL) >= 0)
				h->mask = parse_mask(root_ctl, true);
			if (mfd >= 0 && vj_cg_mount_relative(h, h->current, &rel) >= 0) {
				_cleanup_close_ int dfd = openat(mfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (dfd >= 0 && vj_read_file_at(dfd, "cgroup.controllers", 4096, &cur_ctl, NULL) >= 0)
					h->current_mask = parse_mask(cur_ctl, true);
			}
		}
		if (w != i) {
			hs->h[w] = *h;
			memset(h, 0, sizeof(*h));
		}
		w++;
	}
	hs->n = w;
	return 0;
}

int vj_cg_find(const struct vj_cg_hosts *hs, enum vj_cgc c)
{
	for (size_t i = 0; i < hs->n; i++)
		if (!hs->h[i].v2 && (hs->h[i].mask & VJ_CGC_BIT(c)))
			return (int)i;
	for (size_t i = 0; i < hs->n; i++)
		if (hs->h[i].v2 && (hs->h[i].mask & VJ_CGC_BIT(c)))
			return (int)i;
	return -1;
}

int vj_cg_find_v2(const struct vj_cg_hosts *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hs->h[i].v2)
			return (int)i;
	return -1;
}

int vj_cg_mount_relative(const struct vj_cg_hier *h, const char *cgpath, char **out)
{
	const char *root = h->mount_root;
	size_t rl = strlen(root);
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	if (strncmp(cgpath, root, rl) != 0 || (cgpath[rl] != '/' && cgpath[rl] != '\0'))
		return -EXDEV;
	const char *rest = cgpath + rl;
	while (*rest == '/')
		rest++;
	*out = vj_xstrdup(*rest ? rest : ".");
	size_t l = strlen(*out);
	while (l > 1 && (*out)[l - 1] == '/')
		(*out)[--l] = '\0';
	return 0;
}

bool vj_cg_delegated(const struct vj_cg_hier *h)
{
	const char *env = getenv("VMJAIL_CGROUP_DELEGATED");
	if (env && *env)
		return strcmp(env, "0") != 0;
	if (strcmp(h->current, "/") == 0)
		return false;
	_cleanup_free_ char *rel = NULL;
	if (vj_cg_mount_relative(h, h->current, &rel) < 0)
		return false;
	_cleanup_close_ int mfd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return false;
	_cleanup_close_ int dfd = openat(mfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return false;
	if (geteuid() == 0) {
		/* root owns every cgroup: only systemd's delegation marks count. */
		char v[8];
		ssize_t n = fgetxattr(dfd, "trusted.delegate", v, sizeof(v));
		if (n < 0)
			n = fgetxattr(dfd, "user.delegate", v, sizeof(v));
		return n > 0 && v[0] == '1';
	}
	struct stat st;
	if (fstat(dfd, &st) < 0 || st.st_uid != geteuid())
		return false;
	return faccessat(dfd, "cgroup.procs", W_OK, AT_EACCESS) == 0 &&
	       faccessat(dfd, ".", W_OK, AT_EACCESS) == 0;
}

json_object *vj_cgroup_features_json(void)
{
	struct vj_cg_hosts hs;
	struct vj_error err;
	json_object *o = json_object_new_object();
	if (vj_cg_detect(&hs, &err) < 0) {
		vj_json_add_string(o, "error", err.msg);
		return o;
	}
	json_object *arr = json_object_new_array();
	bool delegated = false;
	for (size_t i = 0; i < hs.n; i++) {
		struct vj_cg_hier *h = &hs.h[i];
		json_object *e = json_object_new_object();
		vj_json_add_int(e, "version", h->v2 ? 2 : 1);
		vj_json_add_string(e, "mount", h->mountpoint);
		json_object *c = json_object_new_array();
		for (int k = 0; k < VJ_CGC__COUNT; k++)
			if (h->mask & VJ_CGC_BIT(k))
				json_object_array_add(c, json_object_new_string(vj_cgc_name(k, h->v2)));
		vj_json_add(e, "controllers", c);
		if (!h->v2)
			vj_json_add_string(e, "name", h->name);
		vj_json_add_string(e, "current", h->current);
		bool d = vj_cg_delegated(h);
		vj_json_add_bool(e, "delegated", d);
		delegated = delegated || d;
		json_object_array_add(arr, e);
	}
	vj_json_add(o, "hierarchies", arr);
	vj_json_add_bool(o, "delegated", delegated);
	vj_cg_hosts_free(&hs);
	return o;
}
