/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.c - the plan's names, its release, and its JSON form (what
 * `vmjail check` prints): every resolved value, the mounts in the order
 * they are built, and the engines' sections as each engine prints them.
 */
#include "plan.h"
#include "profile-internal.h"
#include "jsonw.h"

#include <stdio.h>
#include <sys/mount.h>

#include "dl.h"

static const char *const mount_type_names[VJ_MOUNT__COUNT] = {
	[VJ_MOUNT_RO_BIND] = "ro-bind",
	[VJ_MOUNT_BIND] = "bind",
	[VJ_MOUNT_DEV_BIND] = "dev-bind",
	[VJ_MOUNT_TMPFS] = "tmpfs",
	[VJ_MOUNT_DIR] = "dir",
	[VJ_MOUNT_SYMLINK] = "symlink",
	[VJ_MOUNT_FILE] = "file",
	[VJ_MOUNT_PROC] = "proc",
	[VJ_MOUNT_DEVPTS] = "devpts",
	[VJ_MOUNT_MQUEUE] = "mqueue",
	[VJ_MOUNT_CGROUP] = "cgroup",
};

static const char *const ns_names[VJ_NS__COUNT] = {
	[VJ_NS_MNT] = "mnt", [VJ_NS_PID] = "pid", [VJ_NS_NET] = "net", [VJ_NS_IPC] = "ipc",
	[VJ_NS_UTS] = "uts", [VJ_NS_CGROUP] = "cgroup", [VJ_NS_USER] = "user",
};

const char *vj_mount_type_name(enum vj_mount_type t)
{
	return (unsigned)t < VJ_MOUNT__COUNT ? mount_type_names[t] : "?";
}

const char *vj_ns_name(enum vj_ns ns)
{
	return (unsigned)ns < VJ_NS__COUNT ? ns_names[ns] : "?";
}

const struct vj_mount_option vj_mount_options[] = {
	{ "ro", MS_RDONLY },
	{ "nosuid", MS_NOSUID },
	{ "nodev", MS_NODEV },
	{ "noexec", MS_NOEXEC },
	{ NULL, 0 },
};

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "as", RLIMIT_AS },
	{ "core", RLIMIT_CORE },
	{ "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE },
	{ "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },
	{ "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

const char *const vj_rlimit_names[] = {
	"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
	"rss", "rtprio", "rttime", "sigpending", "stack", NULL,
};

int vj_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (strcmp(rlimits[i].name, name) == 0)
			return rlimits[i].resource;
	return -1;
}

const char *vj_rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	return "?";
}

void vj_plan_free(struct vj_plan *plan)
{
	if (!plan)
		return;
	free(plan->profile_name);
	vj_strv_free(plan->profile_files);
	free(plan->id);
	free(plan->net_path);
	free(plan->hostname);
	free(plan->state_dir);
	for (size_t i = 0; i < plan->n_mounts; i++) {
		free(plan->mounts[i].source);
		free(plan->mounts[i].target);
		free(plan->mounts[i].content);
		free(plan->mounts[i].origin);
	}
	free(plan->mounts);
	vj_strv_free(plan->argv);
	vj_strv_free(plan->envp);
	free(plan->chdir);
	free(plan->rlimits);
	free(plan->keep_fds);
	vj_seccomp_plan_free(&plan->seccomp);
	vj_cgroup_plan_free(&plan->cgroup);
	vj_qmp_plan_free(&plan->qmp);
	vj_lsm_plan_free(&plan->lsm);
}

static json_object *limit_json(rlim_t v)
{
	if (v == RLIM_INFINITY)
		return json_object_new_string("unlimited");
	return json_object_new_uint64(v);
}

static json_object *mount_json(const struct vj_mount *m)
{
	json_object *o = json_object_new_object();
	vj_json_add_string(o, "type", vj_mount_type_name(m->type));
	if (m->source)
		vj_json_add_string(o, "source", m->source);
	vj_json_add_string(o, "target", m->target);
	json_object *flags = json_object_new_array();
	for (const struct vj_mount_option *opt = vj_mount_options; opt->name; opt++)
		if (m->flags & opt->flag)
			json_object_array_add(flags, json_object_new_string(opt->name));
	vj_json_add(o, "flags", flags);
	if (m->type == VJ_MOUNT_DIR || m->type == VJ_MOUNT_TMPFS || m->type == VJ_MOUNT_FILE) {
		char mode[16];
		snprintf(mode, sizeof(mode), "%04o", (unsigned)m->mode);
		vj_json_add_string(o, "mode", mode);
	}
	if (m->type == VJ_MOUNT_TMPFS)
		vj_json_add_uint(o, "size", m->size);
	if (m->type == VJ_MOUNT_FILE)
		vj_json_add_string(o, "content", m->content ? m->content : "");
	vj_json_add_bool(o, "optional", m->optional);
	vj_json_add_bool(o, "skipped", m->skip);
	vj_json_add_string(o, "origin", m->origin);
	return o;
}

json_object *vj_plan_to_json(const struct vj_plan *p)
{
	json_object *o = json_object_new_object();
	vj_json_add_string(o, "profile", p->profile_name);
	vj_json_add_strv(o, "files", p->profile_files);
	vj_json_add_string(o, "id", p->id);

	json_object *ns = json_object_new_object();
	for (int i = 0; i < VJ_NS__COUNT; i++)
		vj_json_add_bool(ns, vj_ns_name((enum vj_ns)i), p->ns[i]);
	vj_json_add(o, "namespaces", ns);
	static const char *const userns[] = { "auto", "always", "never" };
	vj_json_add_string(o, "userns", (unsigned)p->userns < ARRAY_SIZE(userns) ? userns[p->userns] : "?");

	vj_json_add_string(o, "network", p->net == VJ_NET_HOST ? "host" : p->net == VJ_NET_PATH ? p->net_path : "none");
	vj_json_add_string(o, "hostname", p->hostname);

	json_object *user = json_object_new_object();
	vj_json_add_uint(user, "uid", p->uid);
	vj_json_add_uint(user, "gid", p->gid);
	vj_json_add_bool(user, "allow_root", p->allow_root);
	vj_json_add(o, "user", user);

	json_object *caps = json_object_new_array();
	for (unsigned c = 0; c < 64; c++) {
		if (!(p->caps_keep & (UINT64_C(1) << c)))
			continue;
		const char *name = vj_capng_lib()->capability_to_name(c);
		char buf[64];
		if (name) {
			size_t i = 0;
			memcpy(buf, "CAP_", 4);
			for (; name[i] && i + 5 < sizeof(buf); i++)
				buf[4 + i] = (char)((name[i] >= 'a' && name[i] <= 'z') ? name[i] - 32 : name[i]);
			buf[4 + i] = '\0';
		} else {
			snprintf(buf, sizeof(buf), "%u", c);
		}
		json_object_array_add(caps, json_object_new_string(buf));
	}
	vj_json_add(o, "capabilities", caps);

	json_object *rl = json_object_new_object();
	for (size_t i = 0; i < p->n_rlimits; i++) {
		json_object *pair = json_object_new_array();
		json_object_array_add(pair, limit_json(p->rlimits[i].limit.rlim_cur));
		json_object_array_add(pair, limit_json(p->rlimits[i].limit.rlim_max));
		vj_json_add(rl, vj_rlimit_name(p->rlimits[i].resource), pair);
	}
	vj_json_add(o, "rlimits", rl);

	vj_json_add_strv(o, "environment", p->envp);

	json_object *mounts = json_object_new_array();
	for (size_t i = 0; i < p->n_mounts; i++)
		json_object_array_add(mounts, mount_json(&p->mounts[i]));
	vj_json_add(o, "mounts", mounts);

	json_object *proc = json_object_new_object();
	vj_json_add(proc, "argv", p->argv ? vj_json_strv(p->argv) : NULL);
	vj_json_add_string(proc, "chdir", p->chdir);
	vj_json_add_string(proc, "wait", p->wait == VJ_WAIT_ALL ? "all" : "target");
	json_object *fds = json_object_new_array();
	for (size_t i = 0; i < p->n_keep_fds; i++)
		json_object_array_add(fds, json_object_new_int(p->keep_fds[i]));
	vj_json_add(proc, "keep_fds", fds);
	vj_json_add_bool(proc, "keep_all_fds", p->keep_all_fds);
	vj_json_add_bool(proc, "exec", p->exec_inplace);
	if (p->info_fd >= 0)
		vj_json_add_int(proc, "info_fd", p->info_fd);
	vj_json_add(o, "process", proc);

	vj_json_add(o, "seccomp", vj_seccomp_plan_to_json(&p->seccomp));
	vj_json_add(o, "cgroup", vj_cgroup_plan_to_json(&p->cgroup));
	vj_json_add(o, "qmp", vj_qmp_plan_to_json(&p->qmp));
	vj_json_add(o, "lsm", vj_lsm_plan_to_json(&p->lsm));
	return o;
}
