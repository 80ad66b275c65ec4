/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp.c - the profile's "seccomp" section, the compiler from a parsed
 * policy to BPF, the loader, the listener-fd hand-over and the command-line
 * options. The theory of operation is in seccomp.h; the policy format in
 * seccomp_policy.c and doc/vmjail-policy.5.scd.
 *
 * Compiling, in order:
 *  1. seccomp_init(default action) for the native architecture, with
 *     SCMP_FLTATR_CTL_NNP=0 (the runtime sets no_new_privs itself, in the
 *     order it chooses), SCMP_FLTATR_CTL_OPTIMIZE=2 (a binary tree over
 *     syscall numbers: O(log n) per syscall instead of a linear scan),
 *     SCMP_FLTATR_ACT_BADARCH=kill-process (no x32 or i386 entry points).
 *  2. Mode: debug turns a kill/trap default into SCMP_ACT_NOTIFY; learn
 *     drops the rules and notifies everything. Both add sendmsg and close
 *     on the child's sync fd, unnotified, so the child can hand over the
 *     listener.
 *  3. Rules in policy order. An "eq" on an argument the kernel declares
 *     32-bit (ioctl's request, socket's family, prctl's option, ...) is
 *     compiled as masked-eq 0xffffffff: callers may sign-extend (QEMU's
 *     ioctl(fd, int request) does), and the kernel only reads the low half.
 *     A rule whose action equals the default is left out (libseccomp
 *     refuses it, and it changes nothing).
 *  4. Export through a memfd (libseccomp 2.5 has no in-memory export).
 *  5. In enforce mode with the tree, syscalls allowed for many exact
 *     values of one 32-bit argument (ioctl's request numbers) are left out
 *     of step 3 and linked in as binary searches (seccomp_valueset.c).
 */
#include "seccomp_policy.h"
#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "paths.h"

#include <libgen.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

void vj_bpf_free(struct vj_bpf *bpf)
{
	free(bpf->insns);
	bpf->insns = NULL;
	bpf->len = 0;
	bpf->flags = 0;
}

/* ---- the profile section ---------------------------------------------- */

static const char *const mode_names[] = { "enforce", "debug", "learn" };

static int plan_load_policy(struct vj_seccomp_plan *p, const char *policy, const char *relative_to,
			    const struct vj_jnode *where, bool defer, struct vj_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct vj_error sub = { 0 };
	int r = vj_find_data_file(VJ_DATA_POLICY, policy, relative_to, &path, &sub);
	if (r < 0) {
		if (where)
			return vj_jnode_error(where, err, 0, "%s", sub.msg);
		*err = sub;
		return r;
	}
	struct vj_sc_policy *pol = NULL;
	if (!(defer && p->mode == VJ_SECCOMP_ENFORCE)) {
		r = vj_sc_policy_load(path, &pol, err);
		if (r < 0)
			return r;
	}
	free(p->policy);
	free(p->policy_file);
	free(p->policy_dir);
	vj_sc_policy_free(p->priv);
	p->policy = vj_xstrdup(policy);
	p->policy_file = TAKE_PTR(path);
	p->policy_dir = relative_to ? vj_xstrdup(relative_to) : NULL;
	p->priv = pol;
	return 0;
}

static int plan_parse(struct vj_seccomp_plan *p, const struct vj_jnode *n, bool defer, struct vj_error *err)
{
	if (!n || !vj_jnode_present(n))
		return plan_load_policy(p, "generic", NULL, NULL, defer, err);

	int r = vj_jnode_check_keytab(n, vj_seccomp_section_keys, err);
	if (r < 0)
		return r;
	struct vj_jnode k;
	const char *policy = "generic";
	vj_jnode_key(n, "policy", &k);
	json_object *raw;
	/* json-c stores null as a NULL value: the key exists, the node not. */
	if (json_object_object_get_ex(n->obj, "policy", &raw) && !raw)
		return vj_jnode_error(&k, err, 0, "every jailed program gets a filter; to allow everything, "
				      "name a policy whose \"default\" is \"allow\"");
	if (vj_jnode_present(&k)) {
		r = vj_jnode_string(&k, &policy, err);
		if (r < 0)
			return r;
	}
	r = vj_jget_bool(n, "debug", &p->debug, err);
	if (r < 0)
		return r;
	vj_jnode_key(n, "learn", &k);
	if (vj_jnode_present(&k) && !json_object_is_type(k.obj, json_type_null)) {
		const char *out;
		r = vj_jnode_abspath(&k, &out, err);
		if (r < 0)
			return r;
		if (p->debug)
			return vj_jnode_error(&k, err, 0, "\"learn\" and \"debug\" exclude each other");
		p->learn_output = vj_xstrdup(out);
		p->mode = VJ_SECCOMP_LEARN;
	} else if (p->debug) {
		p->mode = VJ_SECCOMP_DEBUG;
	}

	/* A relative policy path is relative to the file that names it. */
	vj_jnode_key(n, "policy", &k);
	_cleanup_free_ char *dircopy = (k.file && k.file[0] == '/') ? vj_xstrdup(k.file) : NULL;
	return plan_load_policy(p, policy, dircopy ? dirname(dircopy) : NULL, vj_jnode_present(&k) ? &k : n, defer,
				err);
}

int vj_seccomp_plan_parse(struct vj_seccomp_plan *p, const struct vj_jnode *n, bool defer, struct vj_error *err)
{
	*p = (struct vj_seccomp_plan){ 0 };
	int r = plan_parse(p, n, defer, err);
	if (r < 0)
		vj_seccomp_plan_free(p);
	return r;
}

int vj_seccomp_plan_from_policy(struct vj_seccomp_plan *p, const char *policy, enum vj_seccomp_mode mode,
				struct vj_error *err)
{
	*p = (struct vj_seccomp_plan){ .mode = mode, .debug = mode == VJ_SECCOMP_DEBUG };
	if (!policy && mode == VJ_SECCOMP_LEARN) {
		/* The learn filter has no rules: an empty policy stands in. */
		struct vj_sc_policy *pol = vj_xcalloc(1, sizeof(*pol));
		pol->def = (struct vj_sc_action){ VJ_SC_KILL_PROCESS, 0 };
		pol->file = vj_xstrdup("(learn)");
		pol->files = vj_xcalloc(1, sizeof(char *));
		p->policy = vj_xstrdup("(learn)");
		p->priv = pol;
		return 0;
	}
	int r = plan_load_policy(p, policy, NULL, NULL, false, err);
	if (r < 0)
		vj_seccomp_plan_free(p);
	return r;
}

int vj_seccomp_plan_from_policy_deferred(struct vj_seccomp_plan *p, const char *policy, struct vj_error *err)
{
	*p = (struct vj_seccomp_plan){ .mode = VJ_SECCOMP_ENFORCE };
	int r = plan_load_policy(p, policy, NULL, NULL, true, err);
	if (r < 0)
		vj_seccomp_plan_free(p);
	return r;
}

json_object *vj_seccomp_plan_to_json(const struct vj_seccomp_plan *p)
{
	json_object *o = json_object_new_object();
	const struct vj_sc_policy *pol = p->priv;
	char buf[64];
	vj_json_add_string(o, "policy", p->policy);
	vj_json_add_string(o, "policy_file", p->policy_file);
	vj_json_add_string(o, "mode", mode_names[p->mode]);
	vj_json_add_bool(o, "debug", p->debug);
	vj_json_add_string(o, "learn", p->learn_output);
	if (pol) {
		vj_json_add_strv(o, "files", pol->files);
		vj_json_add_string(o, "default", vj_sc_action_name(&pol->def, buf, sizeof(buf)));
		vj_json_add_uint(o, "rules", pol->n_rules);
		vj_json_add(o, "skipped", vj_json_strv(pol->skipped));
	}
	return o;
}

void vj_seccomp_plan_free(struct vj_seccomp_plan *p)
{
	free(p->policy);
	free(p->policy_file);
	free(p->policy_dir);
	free(p->learn_output);
	vj_sc_policy_free(p->priv);
	p->policy = p->policy_file = p->policy_dir = p->learn_output = NULL;
	p->priv = NULL;
}

/* ---- compiling ---------------------------------------------------------- */

static uint32_t scmp_action(const struct vj_sc_action *a)
{
	switch (a->kind) {
	case VJ_SC_ALLOW: return SCMP_ACT_ALLOW;
	case VJ_SC_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case VJ_SC_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case VJ_SC_TRAP: return SCMP_ACT_TRAP;
	case VJ_SC_LOG: return SCMP_ACT_LOG;
	case VJ_SC_ERRNO: return SCMP_ACT_ERRNO((uint16_t)a->errnum);
	case VJ_SC_NOTIFY: return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

static int export_ctx(scmp_filter_ctx ctx, struct vj_bpf *out, struct vj_error *err)
{
	_cleanup_close_ int fd = memfd_create("vmjail-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return vj_error_set(err, errno, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return vj_error_set(err, r, "seccomp_export_bpf");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return vj_error_set(err, errno, "fstat");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return vj_error_setx(err, E2BIG, "compiled filter has %lld bytes (at most %d instructions fit)",
				     (long long)st.st_size, BPF_MAXINSNS);
	_cleanup_free_ struct sock_filter *insns = vj_xmalloc((size_t)st.st_size);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return vj_error_set(err, errno, "lseek");
	ssize_t n = vj_read_full(fd, insns, (size_t)st.st_size);
	if (n != st.st_size)
		return vj_error_set(err, n < 0 ? (int)-n : EIO, "reading the compiled filter");
	out->insns = TAKE_PTR(insns);
	out->len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

static int add_sync_fd_rules(scmp_filter_ctx ctx, int sync_fd, struct vj_error *err)
{
	static const int nrs[] = { SCMP_SYS(sendmsg), SCMP_SYS(close) };
	for (size_t i = 0; i < ARRAY_SIZE(nrs); i++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)sync_fd);
		int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nrs[i], 1, &c);
		if (r < 0)
			return vj_error_set(err, r, "adding the sync fd rule");
	}
	return 0;
}

int vj_sc_policy_compile(const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o, struct vj_bpf *out,
			 struct vj_error *err)
{
	struct vj_sc_action def = p->def;
	bool listener = o->mode != VJ_SECCOMP_ENFORCE;
	*out = (struct vj_bpf){ 0 };
	if (listener && o->sync_fd < 0)
		return vj_error_setx(err, EINVAL, "seccomp %s mode needs the child's sync socket",
				     mode_names[o->mode]);
	if (o->mode == VJ_SECCOMP_LEARN ||
	    (o->mode == VJ_SECCOMP_DEBUG && (def.kind == VJ_SC_KILL_PROCESS || def.kind == VJ_SC_KILL_THREAD ||
					     def.kind == VJ_SC_TRAP)))
		def = (struct vj_sc_action){ VJ_SC_NOTIFY, 0 };

	struct vj_sc_valueset *sets = NULL;
	size_t n_sets = 0;
	scmp_filter_ctx ctx = seccomp_init(scmp_action(&def));
	if (!ctx)
		return vj_error_setx(err, ENOMEM, "seccomp_init failed");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, o->optimize ? (uint32_t)o->optimize : 2);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r < 0) {
		vj_error_set(err, r, "seccomp_attr_set");
		goto out;
	}
	if (listener) {
		r = add_sync_fd_rules(ctx, o->sync_fd, err);
		if (r < 0)
			goto out;
	}
	/* Step 3a: syscalls with many values of one argument become value
	 * sets (seccomp_valueset.c); libseccomp gets a placeholder for each. */
	if (o->mode == VJ_SECCOMP_ENFORCE && o->optimize != 1)
		vj_sc_valuesets_find(p, &def, &sets, &n_sets);
	for (size_t i = 0; i < n_sets; i++) {
		r = seccomp_rule_add_array(ctx, vj_sc_valueset_marker(i), sets[i].nr, 0, NULL);
		if (r < 0) {
			vj_error_set(err, r, "adding the value set of syscall %d", sets[i].nr);
			goto out;
		}
	}
	for (size_t i = 0; o->mode != VJ_SECCOMP_LEARN && i < p->n_rules; i++) {
		const struct vj_sc_rule *rule = &p->rules[i];
		if (rule->action.kind == def.kind && rule->action.errnum == def.errnum)
			continue;
		if (vj_sc_valuesets_cover(sets, n_sets, rule->nr))
			continue;
		struct scmp_arg_cmp c[6];
		for (size_t j = 0; j < rule->n_conds; j++) {
			const struct vj_sc_cond *cd = &rule->conds[j];
			bool narrow = vj_sc_arg_is_32bit(rule->name, cd->index);
			c[j] = (struct scmp_arg_cmp){ cd->index, cd->op, cd->value, 0 };
			if (cd->op == SCMP_CMP_MASKED_EQ) {
				c[j].datum_a = narrow ? cd->mask & 0xffffffffu : cd->mask;
				c[j].datum_b = cd->value & c[j].datum_a;
			} else if (cd->op == SCMP_CMP_EQ && narrow) {
				c[j].op = SCMP_CMP_MASKED_EQ;
				c[j].datum_a = 0xffffffffu;
				c[j].datum_b = cd->value & 0xffffffffu;
			}
		}
		r = seccomp_rule_add_array(ctx, scmp_action(&rule->action), rule->nr, (unsigned)rule->n_conds, c);
		if (r < 0) {
			vj_error_set(err, r, "%s: \"%s\": libseccomp refused the rule", rule->origin, rule->name);
			goto out;
		}
	}
	r = export_ctx(ctx, out, err);
	if (r >= 0)
		r = vj_sc_valuesets_link(out, sets, n_sets, scmp_action, scmp_action(&def), err);
	if (r >= 0 && listener)
		out->flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	if (r < 0)
		vj_bpf_free(out);
out:
	vj_sc_valuesets_free(sets, n_sets);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}

int vj_seccomp_compile_plan(const struct vj_seccomp_plan *p, int sync_fd, int cache_fd, struct vj_bpf *out,
			    struct vj_error *err)
{
	*out = (struct vj_bpf){ 0 };
	if (!p->priv && !p->policy_file)
		return vj_error_setx(err, EINVAL, "seccomp: no policy resolved");
	struct vj_sc_compile_opts o = { .mode = p->mode, .sync_fd = sync_fd, .optimize = 2 };
	if (!p->priv) /* deferred: found by its files, or parsed now */
		return vj_sc_policy_compile_source(p->policy, p->policy_dir, p->policy_file, &o, cache_fd, out, err);
	int r = vj_sc_policy_compile_cached(p->priv, &o, cache_fd, out, err);
	if (r < 0)
		return vj_error_prefix(err, "compiling seccomp policy %s", p->policy_file);
	return 0;
}

/* ---- the child's side ------------------------------------------------------ */

int vj_seccomp_load(const struct vj_bpf *prog, int *listener_fd, struct vj_error *err)
{
	if (listener_fd)
		*listener_fd = -1;
	if (!prog->len)
		return 0;
	if ((prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && !listener_fd)
		return vj_error_setx(err, EINVAL, "seccomp: the filter needs a listener and nobody takes it");
	struct sock_fprog fprog = { .len = (unsigned short)prog->len, .filter = prog->insns };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog);
	if (r < 0)
		return vj_error_set(err, errno, "loading the seccomp filter");
	if (prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		*listener_fd = (int)r;
	return 0;
}

int vj_seccomp_send_listener(int sock, int fd)
{
	char byte = 'L';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union vj_cmsg_fd ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	vj_cmsg_attach_fd(&msg, &ctl, fd);
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int vj_seccomp_recv_listener(int sock, int *out, struct vj_error *err)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vj_error_set(err, errno, "receiving the seccomp listener");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)) || byte != 'L') {
		if (c && c->cmsg_type == SCM_RIGHTS) {
			int stray;
			memcpy(&stray, CMSG_DATA(c), sizeof(int));
			close(stray);
		}
		return vj_error_setx(err, EPROTO, "receiving the seccomp listener: the child sent no listener");
	}
	memcpy(out, CMSG_DATA(c), sizeof(int));
	return 0;
}

const char *vj_seccomp_describe_exit(int wstatus, const char *denied_syscall, char *buf, size_t len)
{
	if (denied_syscall)
		snprintf(buf, len, "killed by seccomp: %s", denied_syscall);
	else if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSYS)
		snprintf(buf, len, "killed by seccomp (SIGSYS)");
	else
		return NULL;
	return buf;
}

/* ---- command-line options ------------------------------------------------ */

static char *absolute_if_path(const char *arg)
{
	char cwd[PATH_MAX];
	if (arg[0] == '/' || !strchr(arg, '/') || !getcwd(cwd, sizeof(cwd)))
		return vj_xstrdup(arg);
	return vj_xasprintf("%s/%s", cwd, arg);
}

static int opt_seccomp(json_object *overlay, const char *arg, struct vj_error *err)
{
	if (!arg || !*arg)
		return vj_error_setx(err, EINVAL, "--seccomp: a policy name or file is needed");
	_cleanup_free_ char *v = absolute_if_path(arg);
	vj_overlay_set(overlay, "seccomp.policy", json_object_new_string(v), "--seccomp");
	return 0;
}

static int opt_debug(json_object *overlay, const char *arg, struct vj_error *err)
{
	vj_overlay_set(overlay, "seccomp.debug", json_object_new_boolean(1), "--seccomp-debug");
	return 0;
}

static int opt_learn(json_object *overlay, const char *arg, struct vj_error *err)
{
	if (!arg || !*arg)
		return vj_error_setx(err, EINVAL, "--seccomp-learn: an output file is needed");
	char cwd[PATH_MAX];
	_cleanup_free_ char *v = NULL;
	if (arg[0] == '/')
		v = vj_xstrdup(arg);
	else if (getcwd(cwd, sizeof(cwd)))
		v = vj_xasprintf("%s/%s", cwd, arg);
	else
		return vj_error_set(err, errno, "--seccomp-learn %s: getcwd", arg);
	vj_overlay_set(overlay, "seccomp.learn", json_object_new_string(v), "--seccomp-learn");
	return 0;
}

const struct vj_cli_option vj_seccomp_cli_options[] = {
	{ "seccomp", "POLICY", "seccomp policy: a name (policy/NAME.json) or a file", opt_seccomp },
	{ "seccomp-debug", NULL, "report a denied syscall by name, then kill the program", opt_debug },
	{ "seccomp-learn", "FILE", "record every syscall instead of filtering; write a policy to FILE",
	  opt_learn },
	{ 0 },
};
