/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_plan.c - the profile's "cgroup" section and the command-line
 * options that write it. Side-effect free: nothing here looks at the host.
 *
 *   "cgroup": {
 *     "enabled": true,                       default true
 *     "required": "required" | "optional",   default: required when a limit is set
 *     "parent": "/abs/cgroup/path",          default: see doc/cgroups.md
 *     "memory": {"max": "512M" | 536870912 | "max", "swap_max": "0"},
 *     "pids": {"max": 128 | "max"},
 *     "cpu": {"weight": 1..10000, "max": 1.5 | "max" | {"quota_us": N, "period_us": N}},
 *     "cpuset": {"cpus": "0-1,4", "mems": "0"},
 *     "io": {"weight": 1..10000},
 *     "devices": "required" | "optional" | "off"   default "optional"
 *   }
 *
 * vj_cgroup_plan_to_json() prints the resolved section in a form this
 * parser accepts back.
 */
#include "cgroup.h"

#include <math.h>
#include <stdio.h>

#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"

#define DEFAULT_PERIOD_US 100000u

/* ---- the section's keys ----
 * The tables parse_section() reads (jsonp.h); `vmjail features` describes
 * them (vj_cgroup_section_keys). */

static const char *const max_word[] = { "max", NULL };
static const char *const need_names[] = { "optional", "required", NULL };
static const char *const devices_names[] = { "off", "optional", "required", NULL };
#define BYTES_WHAT "bytes, a size such as \"512M\", or \"max\""

enum { MEM_MAX, MEM_SWAP_MAX, MEM__COUNT };
static const struct vj_jkey mem_keys[] = {
	[MEM_MAX] = { "max", VJ_JT_INT | VJ_JT_STR, .min = 4096, .max = INT64_MAX, .what = BYTES_WHAT },
	[MEM_SWAP_MAX] = { "swap_max", VJ_JT_INT | VJ_JT_STR, .min = 0, .max = INT64_MAX, .what = BYTES_WHAT },
	[MEM__COUNT] = { NULL },
};

enum { PIDS_MAX, PIDS__COUNT };
static const struct vj_jkey pids_keys[] = {
	[PIDS_MAX] = { "max", VJ_JT_INT | VJ_JT_STR, .values = max_word, .min = 1, .max = INT32_MAX },
	[PIDS__COUNT] = { NULL },
};

enum { QUOTA_US, PERIOD_US, CPU_MAX__COUNT };
static const struct vj_jkey cpu_max_keys[] = {
	[QUOTA_US] = { "quota_us", VJ_JT_INT | VJ_JT_STR, .values = max_word, .min = 1000, .max = INT64_MAX / 2 },
	[PERIOD_US] = { "period_us", VJ_JT_INT, .min = 1000, .max = 1000000 },
	[CPU_MAX__COUNT] = { NULL },
};

enum { CPU_WEIGHT, CPU_MAX, CPU__COUNT };
static const struct vj_jkey cpu_keys[] = {
	[CPU_WEIGHT] = { "weight", VJ_JT_INT, .min = 1, .max = 10000 },
	[CPU_MAX] = { "max", VJ_JT_STR | VJ_JT_INT | VJ_JT_NUM | VJ_JT_OBJ, .values = max_word, .keys = cpu_max_keys,
		      .what = "a number of CPUs (0.01 to 4096), \"max\" or {\"quota_us\", \"period_us\"}" },
	[CPU__COUNT] = { NULL },
};

enum { CPUSET_CPUS, CPUSET_MEMS, CPUSET__COUNT };
static const struct vj_jkey cpuset_keys[] = {
	[CPUSET_CPUS] = { "cpus", VJ_JT_STR, .what = "a list such as \"0-1,4\"" },
	[CPUSET_MEMS] = { "mems", VJ_JT_STR, .what = "a list such as \"0\"" },
	[CPUSET__COUNT] = { NULL },
};

enum { IO_WEIGHT, IO__COUNT };
static const struct vj_jkey io_keys[] = {
	[IO_WEIGHT] = { "weight", VJ_JT_INT, .min = 1, .max = 10000 },
	[IO__COUNT] = { NULL },
};

enum { CG_ENABLED, CG_REQUIRED, CG_PARENT, CG_MEMORY, CG_PIDS, CG_CPU, CG_CPUSET, CG_IO, CG_DEVICES, CG__COUNT };
const struct vj_jkey vj_cgroup_section_keys[] = {
	[CG_ENABLED] = { "enabled", VJ_JT_BOOL },
	[CG_REQUIRED] = { "required", VJ_JT_STR, .values = need_names },
	[CG_PARENT] = { "parent", VJ_JT_STR, .what = "an absolute cgroup path" },
	[CG_MEMORY] = { "memory", VJ_JT_OBJ, .keys = mem_keys },
	[CG_PIDS] = { "pids", VJ_JT_OBJ, .keys = pids_keys },
	[CG_CPU] = { "cpu", VJ_JT_OBJ, .keys = cpu_keys },
	[CG_CPUSET] = { "cpuset", VJ_JT_OBJ, .keys = cpuset_keys },
	[CG_IO] = { "io", VJ_JT_OBJ, .keys = io_keys },
	[CG_DEVICES] = { "devices", VJ_JT_STR, .values = devices_names },
	[CG__COUNT] = { NULL },
};
static const struct vj_jkey *const cg_keys = vj_cgroup_section_keys;

/* "512M", "0", "max" or an integer number of bytes. */
static int parse_bytes(const struct vj_jnode *n, uint64_t *out, struct vj_error *err)
{
	if (!json_object_is_type(n->obj, json_type_string))
		return vj_jnode_size(n, out, err);
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (strcmp(s, max_word[0]) == 0) {
		*out = VJ_CGROUP_UNLIMITED;
		return 0;
	}
	if (vj_parse_size(s, out) < 0 || *out > (uint64_t)INT64_MAX)
		return vj_jnode_error(n, err, 0, "\"%s\": expected a size (e.g. \"512M\", \"2G\") or \"max\"", s);
	return 0;
}

/* "max" or an integer in the key's range. */
static int parse_count(const struct vj_jnode *n, const struct vj_jkey *k, uint64_t *out, struct vj_error *err)
{
	if (json_object_is_type(n->obj, json_type_string) && strcmp(json_object_get_string(n->obj), max_word[0]) == 0) {
		*out = VJ_CGROUP_UNLIMITED;
		return 0;
	}
	int64_t v;
	int r = vj_jnode_int(n, k->min, k->max, &v, err);
	if (r < 0)
		return r;
	*out = (uint64_t)v;
	return 0;
}

/* A cpuset list: "0", "0-3", "0-1,4,6-7". */
static bool cpulist_valid(const char *s)
{
	if (!*s)
		return false;
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		unsigned long a = strtoul(s, &end, 10);
		s = end;
		if (*s == '-') {
			s++;
			if (*s < '0' || *s > '9')
				return false;
			unsigned long b = strtoul(s, &end, 10);
			if (b < a)
				return false;
			s = end;
		}
		if (*s == ',') {
			s++;
			if (!*s)
				return false;
		} else if (*s) {
			return false;
		}
	}
	return true;
}

static int parse_cpulist(const struct vj_jnode *n, char **out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (!cpulist_valid(s))
		return vj_jnode_error(n, err, 0, "\"%s\": expected a list like \"0-1,4\"", s);
	free(*out);
	*out = vj_xstrdup(s);
	return 0;
}

static int parse_cpu_max(struct vj_cgroup_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	json_type t = json_object_get_type(n->obj);
	p->has_cpu_max = true;
	p->cpu_period_us = DEFAULT_PERIOD_US;
	if (t == json_type_string) {
		if (strcmp(json_object_get_string(n->obj), max_word[0]) != 0)
			return vj_jnode_error(n, err, 0, "expected a number of CPUs, \"max\" or {\"quota_us\", \"period_us\"}");
		p->cpu_quota_us = VJ_CGROUP_UNLIMITED;
		return 0;
	}
	if (t == json_type_int || t == json_type_double) {
		double cpus = json_object_get_double(n->obj);
		if (!isfinite(cpus) || cpus < 0.01 || cpus > 4096)
			return vj_jnode_error(n, err, 0, "%s CPUs: expected 0.01 to 4096", json_object_get_string(n->obj));
		p->cpu_quota_us = (uint64_t)(cpus * DEFAULT_PERIOD_US + 0.5);
		return 0;
	}
	int r = vj_jnode_check_keytab(n, cpu_max_keys, err);
	if (r < 0)
		return vj_jnode_error(n, err, 0, "expected a number of CPUs, \"max\" or {\"quota_us\", \"period_us\"}");
	struct vj_jnode q, per;
	vj_jnode_keyof(n, &cpu_max_keys[QUOTA_US], &q);
	vj_jnode_keyof(n, &cpu_max_keys[PERIOD_US], &per);
	if (!q.obj)
		return vj_jnode_error(&q, err, 0, "missing");
	r = parse_count(&q, &cpu_max_keys[QUOTA_US], &p->cpu_quota_us, err);
	if (r < 0)
		return r;
	if (per.obj) {
		int64_t v;
		r = vj_jnode_int(&per, cpu_max_keys[PERIOD_US].min, cpu_max_keys[PERIOD_US].max, &v, err);
		if (r < 0)
			return r;
		p->cpu_period_us = (uint64_t)v;
	}
	return 0;
}

bool vj_cgroup_plan_has_limits(const struct vj_cgroup_plan *p)
{
	return p->has_memory_max || p->has_swap_max || p->has_pids_max || p->has_cpu_weight ||
	       p->has_cpu_max || p->has_io_weight || p->cpuset_cpus || p->cpuset_mems;
}

/* A weight: an integer in the key's range. */
static int parse_weight(const struct vj_jnode *n, const struct vj_jkey *k, uint64_t *out, bool *has,
			struct vj_error *err)
{
	struct vj_jnode c;
	int64_t v;
	vj_jnode_keyof(n, k, &c);
	if (!c.obj)
		return 0;
	int r = vj_jnode_int(&c, k->min, k->max, &v, err);
	if (r < 0)
		return r;
	*out = (uint64_t)v;
	*has = true;
	return 0;
}

static int parse_section(struct vj_cgroup_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	struct vj_jnode c, k;
	int r, choice;

	r = vj_jnode_check_keytab(n, cg_keys, err);
	if (r < 0)
		return r;
	r = vj_jget_bool(n, cg_keys[CG_ENABLED].name, &p->enabled, err);
	if (r < 0)
		return r;
	const char *parent = NULL;
	vj_jnode_keyof(n, &cg_keys[CG_PARENT], &c);
	if (c.obj) {
		r = vj_jnode_abspath(&c, &parent, err);
		if (r < 0)
			return r;
		p->parent = vj_xstrdup(parent);
		size_t l = strlen(p->parent);
		while (l > 1 && p->parent[l - 1] == '/')
			p->parent[--l] = '\0';
	}

	vj_jnode_keyof(n, &cg_keys[CG_MEMORY], &c);
	if (c.obj) {
		if ((r = vj_jnode_check_keytab(&c, mem_keys, err)) < 0)
			return r;
		vj_jnode_keyof(&c, &mem_keys[MEM_MAX], &k);
		if (k.obj) {
			if ((r = parse_bytes(&k, &p->memory_max, err)) < 0)
				return r;
			if (p->memory_max < (uint64_t)mem_keys[MEM_MAX].min)
				return vj_jnode_error(&k, err, 0, "%llu bytes is too small (at least 4K)",
						      (unsigned long long)p->memory_max);
			p->has_memory_max = true;
		}
		vj_jnode_keyof(&c, &mem_keys[MEM_SWAP_MAX], &k);
		if (k.obj) {
			if ((r = parse_bytes(&k, &p->swap_max, err)) < 0)
				return r;
			p->has_swap_max = true;
		}
	}
	vj_jnode_keyof(n, &cg_keys[CG_PIDS], &c);
	if (c.obj) {
		if ((r = vj_jnode_check_keytab(&c, pids_keys, err)) < 0)
			return r;
		vj_jnode_keyof(&c, &pids_keys[PIDS_MAX], &k);
		if (k.obj) {
			if ((r = parse_count(&k, &pids_keys[PIDS_MAX], &p->pids_max, err)) < 0)
				return r;
			p->has_pids_max = true;
		}
	}
	vj_jnode_keyof(n, &cg_keys[CG_CPU], &c);
	if (c.obj) {
		if ((r = vj_jnode_check_keytab(&c, cpu_keys, err)) < 0 ||
		    (r = parse_weight(&c, &cpu_keys[CPU_WEIGHT], &p->cpu_weight, &p->has_cpu_weight, err)) < 0)
			return r;
		vj_jnode_keyof(&c, &cpu_keys[CPU_MAX], &k);
		if (k.obj && (r = parse_cpu_max(p, &k, err)) < 0)
			return r;
	}
	vj_jnode_keyof(n, &cg_keys[CG_CPUSET], &c);
	if (c.obj) {
		if ((r = vj_jnode_check_keytab(&c, cpuset_keys, err)) < 0)
			return r;
		vj_jnode_keyof(&c, &cpuset_keys[CPUSET_CPUS], &k);
		if (k.obj && (r = parse_cpulist(&k, &p->cpuset_cpus, err)) < 0)
			return r;
		vj_jnode_keyof(&c, &cpuset_keys[CPUSET_MEMS], &k);
		if (k.obj && (r = parse_cpulist(&k, &p->cpuset_mems, err)) < 0)
			return r;
	}
	vj_jnode_keyof(n, &cg_keys[CG_IO], &c);
	if (c.obj) {
		if ((r = vj_jnode_check_keytab(&c, io_keys, err)) < 0 ||
		    (r = parse_weight(&c, &io_keys[IO_WEIGHT], &p->io_weight, &p->has_io_weight, err)) < 0)
			return r;
	}
	vj_jnode_keyof(n, &cg_keys[CG_DEVICES], &c);
	if (c.obj) {
		if ((r = vj_jnode_enum(&c, cg_keys[CG_DEVICES].values, &choice, err)) < 0)
			return r;
		p->devices = (enum vj_cgroup_devices)choice;
	}
	p->required = vj_cgroup_plan_has_limits(p);
	vj_jnode_keyof(n, &cg_keys[CG_REQUIRED], &c);
	if (c.obj) {
		if ((r = vj_jnode_enum(&c, cg_keys[CG_REQUIRED].values, &choice, err)) < 0)
			return r;
		p->required = choice == 1;
	}
	return 0;
}

int vj_cgroup_plan_parse(struct vj_cgroup_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	memset(p, 0, sizeof(*p));
	p->enabled = true;
	p->devices = VJ_CGROUP_DEVICES_OPTIONAL;
	if (!n || !n->obj)
		return 0;
	int r = parse_section(p, n, err);
	if (r < 0) {
		vj_cgroup_plan_free(p);
		memset(p, 0, sizeof(*p));
	}
	return r;
}

static json_object *limit_json(uint64_t v)
{
	return v == VJ_CGROUP_UNLIMITED ? json_object_new_string("max") : json_object_new_int64((int64_t)v);
}

json_object *vj_cgroup_plan_to_json(const struct vj_cgroup_plan *p)
{
	json_object *o = json_object_new_object();
	vj_json_add_bool(o, "enabled", p->enabled);
	vj_json_add_string(o, "required", p->required ? "required" : "optional");
	if (p->parent)
		vj_json_add_string(o, "parent", p->parent);
	if (p->has_memory_max || p->has_swap_max) {
		json_object *m = json_object_new_object();
		if (p->has_memory_max)
			vj_json_add(m, "max", limit_json(p->memory_max));
		if (p->has_swap_max)
			vj_json_add(m, "swap_max", limit_json(p->swap_max));
		vj_json_add(o, "memory", m);
	}
	if (p->has_pids_max) {
		json_object *m = json_object_new_object();
		vj_json_add(m, "max", limit_json(p->pids_max));
		vj_json_add(o, "pids", m);
	}
	if (p->has_cpu_weight || p->has_cpu_max) {
		json_object *m = json_object_new_object();
		if (p->has_cpu_weight)
			vj_json_add_uint(m, "weight", p->cpu_weight);
		if (p->has_cpu_max) {
			if (p->cpu_quota_us == VJ_CGROUP_UNLIMITED) {
				vj_json_add_string(m, "max", "max");
			} else {
				json_object *q = json_object_new_object();
				vj_json_add_uint(q, "quota_us", p->cpu_quota_us);
				vj_json_add_uint(q, "period_us", p->cpu_period_us);
				vj_json_add(m, "max", q);
			}
		}
		vj_json_add(o, "cpu", m);
	}
	if (p->cpuset_cpus || p->cpuset_mems) {
		json_object *m = json_object_new_object();
		if (p->cpuset_cpus)
			vj_json_add_string(m, "cpus", p->cpuset_cpus);
		if (p->cpuset_mems)
			vj_json_add_string(m, "mems", p->cpuset_mems);
		vj_json_add(o, "cpuset", m);
	}
	if (p->has_io_weight) {
		json_object *m = json_object_new_object();
		vj_json_add_uint(m, "weight", p->io_weight);
		vj_json_add(o, "io", m);
	}
	vj_json_add_string(o, "devices", devices_names[p->devices]);
	return o;
}

void vj_cgroup_plan_free(struct vj_cgroup_plan *p)
{
	if (!p)
		return;
	free(p->parent);
	free(p->cpuset_cpus);
	free(p->cpuset_mems);
	p->parent = p->cpuset_cpus = p->cpuset_mems = NULL;
}

/* ---- command-line options ---- */

static int opt_string(json_object *ov, const char *key, const char *opt, const char *arg)
{
	vj_overlay_set(ov, key, json_object_new_string(arg), opt);
	return 0;
}

static int apply_memory(json_object *ov, const char *arg, struct vj_error *err)
{
	return opt_string(ov, "cgroup.memory.max", "--memory", arg);
}

static int apply_memory_swap(json_object *ov, const char *arg, struct vj_error *err)
{
	return opt_string(ov, "cgroup.memory.swap_max", "--memory-swap", arg);
}

static int apply_int(json_object *ov, const char *key, const char *opt, const char *arg, struct vj_error *err)
{
	uint64_t v;
	if (strcmp(arg, "max") == 0)
		return opt_string(ov, key, opt, arg);
	if (vj_parse_u64(arg, &v) < 0 || v > INT64_MAX)
		return vj_error_setx(err, EINVAL, "%s %s: expected a whole number", opt, arg);
	vj_overlay_set(ov, key, json_object_new_int64((int64_t)v), opt);
	return 0;
}

static int apply_pids(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_int(ov, "cgroup.pids.max", "--pids-max", arg, err);
}

static int apply_cpu_weight(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_int(ov, "cgroup.cpu.weight", "--cpu-weight", arg, err);
}

static int apply_io_weight(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_int(ov, "cgroup.io.weight", "--io-weight", arg, err);
}

static int apply_cpus(json_object *ov, const char *arg, struct vj_error *err)
{
	if (strcmp(arg, "max") == 0)
		return opt_string(ov, "cgroup.cpu.max", "--cpus", arg);
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v <= 0)
		return vj_error_setx(err, EINVAL, "--cpus %s: expected a number of CPUs such as 1.5", arg);
	vj_overlay_set(ov, "cgroup.cpu.max", json_object_new_double(v), "--cpus");
	return 0;
}

static int apply_cpuset(json_object *ov, const char *arg, struct vj_error *err)
{
	return opt_string(ov, "cgroup.cpuset.cpus", "--cpuset", arg);
}

static int apply_cpuset_mems(json_object *ov, const char *arg, struct vj_error *err)
{
	return opt_string(ov, "cgroup.cpuset.mems", "--cpuset-mems", arg);
}

static int apply_parent(json_object *ov, const char *arg, struct vj_error *err)
{
	return opt_string(ov, "cgroup.parent", "--cgroup-parent", arg);
}

static int apply_no_cgroup(json_object *ov, const char *arg, struct vj_error *err)
{
	vj_overlay_set(ov, "cgroup.enabled", json_object_new_boolean(false), "--no-cgroup");
	return 0;
}

const struct vj_cli_option vj_cgroup_cli_options[] = {
	{ "memory", "SIZE", "memory limit, e.g. 512M (cgroup.memory.max)", apply_memory },
	{ "memory-swap", "SIZE", "swap limit, e.g. 0 (cgroup.memory.swap_max)", apply_memory_swap },
	{ "pids-max", "N", "maximum number of tasks (cgroup.pids.max)", apply_pids },
	{ "cpus", "N.N", "CPU bandwidth in CPUs, e.g. 1.5 (cgroup.cpu.max)", apply_cpus },
	{ "cpu-weight", "N", "CPU weight 1-10000, default 100 (cgroup.cpu.weight)", apply_cpu_weight },
	{ "cpuset", "LIST", "CPUs to run on, e.g. 0-1 (cgroup.cpuset.cpus)", apply_cpuset },
	{ "cpuset-mems", "LIST", "memory nodes, e.g. 0 (cgroup.cpuset.mems)", apply_cpuset_mems },
	{ "io-weight", "N", "IO weight 1-10000 (cgroup.io.weight)", apply_io_weight },
	{ "cgroup-parent", "PATH", "parent cgroup of the jail's cgroup (cgroup.parent)", apply_parent },
	{ "no-cgroup", NULL, "do not give the jail its own cgroup (cgroup.enabled=false)", apply_no_cgroup },
	{ 0 },
};
