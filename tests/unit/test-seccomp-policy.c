/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-policy - the policy parser, the profile section and the
 * command-line options, without loading anything: every error class with
 * its exact message, includes (cycles, diamonds, fragments' own file
 * names), symbolic values, and every shipped policy for x86_64 and aarch64.
 */
#include "tap.h"
#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "seccomp_policy.h"

#include <dirent.h>
#include <stdio.h>

static char srcdir[1024];

static void perr(const char *text, const char *want, const char *what)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	int r = vj_sc_policy_parse_string(text, strlen(text), "t.json", true, &p, &err);
	ok(r < 0 && !p, "%s: rejected", what);
	is_str(err.msg, want, "%s: message", what);
	vj_sc_policy_free(p);
}

static struct vj_sc_policy *pok(const char *text, const char *what)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	int r = vj_sc_policy_parse_string(text, strlen(text), "t.json", true, &p, &err);
	if (!ok(r == 0 && p, "%s: accepted", what))
		diag("%s", err.msg);
	return p;
}

static void ferr(const char *file, const char *want_fmt, const char *what)
{
	char path[2048], want[4096];
	snprintf(path, sizeof(path), "%s/tests/unit/seccomp/%s", srcdir, file);
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	int r = vj_sc_policy_load(path, &p, &err);
	ok(r < 0 && !p, "%s: rejected", what);
	/* '@' in want_fmt stands for the source directory. */
	size_t o = 0;
	for (const char *c = want_fmt; *c && o < sizeof(want) - 1; c++) {
		if (*c == '@') {
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%s", srcdir);
			continue;
		}
		want[o++] = *c;
	}
	want[o < sizeof(want) ? o : sizeof(want) - 1] = '\0';
	is_str(err.msg, want, "%s: message", what);
	vj_sc_policy_free(p);
}

static void test_errors(void)
{
	perr("{\"allow\": [\"read\", \"not_a_syscall\"]}",
	     "t.json: allow[1]: unknown system call \"not_a_syscall\"", "unknown name");
	perr("{\"allow\": [{\"name\": \"nope\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
	     "t.json: allow[0].name: unknown system call \"nope\"", "unknown name (object)");
	perr("{\"errno\": {\"EPERM\": [\"bogus\"]}}",
	     "t.json: errno.EPERM[0]: unknown system call \"bogus\"", "unknown name (errno list)");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 7, \"value\": 1}]}]}",
	     "t.json: allow[0].args[0].index: 7 out of range [0, 5]", "bad condition: index");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": \"KVM_RUNN\"}]}]}",
	     "t.json: allow[0].args[0].value: unknown constant \"KVM_RUNN\"", "bad condition: constant");
	perr("{\"allow\": [{\"name\": \"clone\", \"args\": [{\"index\": 0, \"value\": \"CLONE_VM|CLONE_BOGUS\"}]}]}",
	     "t.json: allow[0].args[0].value: unknown constant \"CLONE_BOGUS\"", "bad condition: one of several flags");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"op\": \"like\", \"value\": 1}]}]}",
	     "t.json: allow[0].args[0].op: \"like\": expected one of \"eq\", \"ne\", \"lt\", \"le\", \"gt\", "
	     "\"ge\", \"masked-eq\"", "bad condition: op");
	perr("{\"allow\": [{\"name\": \"clone\", \"args\": [{\"index\": 0, \"op\": \"masked-eq\", \"value\": 0}]}]}",
	     "t.json: allow[0].args[0]: \"masked-eq\" needs a \"mask\"", "bad condition: masked-eq without mask");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 1, \"mask\": 3}]}]}",
	     "t.json: allow[0].args[0].mask: \"mask\" needs \"op\": \"masked-eq\"", "bad condition: mask with eq");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 1}, {\"index\": 1, \"value\": 2}]}]}",
	     "t.json: allow[0].args[1]: a second condition on argument 1", "bad condition: same argument twice");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": true}]}]}",
	     "t.json: allow[0].args[0].value: expected an integer or a name, got a boolean", "bad condition: value type");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"value\": 1}]}]}",
	     "t.json: allow[0].args[0]: missing \"index\"", "bad condition: no index");
	perr("{\"allow\": \"read\"}", "t.json: allow: expected an array, got a string", "wrong type: allow");
	perr("{\"allow\": [42]}", "t.json: allow[0]: expected a syscall name or an object, got an integer",
	     "wrong type: entry");
	perr("{\"errno\": [\"read\"]}", "t.json: errno: expected an object, got an array", "wrong type: errno");
	perr("{\"default\": 1}", "t.json: default: expected a string, got an integer", "wrong type: default");
	perr("[]", "t.json: expected an object, got an array", "wrong type: document");
	perr("{\"allow\": null}", "t.json: allow: null is not a value here (leave the key out)", "wrong type: null");
	perr("{\"allow\": [], \"alow\": []}", "t.json: alow: unknown key", "unknown key (top)");
	perr("{\"allow\": [{\"name\": \"read\", \"optinal\": true}]}", "t.json: allow[0].optinal: unknown key",
	     "unknown key (entry)");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 1, \"vlaue\": 2}]}]}",
	     "t.json: allow[0].args[0].vlaue: unknown key", "unknown key (condition)");
	perr("{\"default\": \"explode\"}",
	     "t.json: default: \"explode\": expected \"kill-process\", \"kill-thread\", \"trap\", \"log\", "
	     "\"allow\" or \"errno:NAME\"", "bad default");
	perr("{\"default\": \"errno:EWHAT\"}",
	     "t.json: default: \"errno:EWHAT\": expected \"kill-process\", \"kill-thread\", \"trap\", \"log\", "
	     "\"allow\" or \"errno:NAME\"", "bad default errno");
	perr("{\"errno\": {\"ENOTANERRNO\": [\"read\"]}}", "t.json: errno.ENOTANERRNO: unknown errno name \"ENOTANERRNO\"",
	     "bad errno name");
	perr("{\"allow\": [\"read\"], \"errno\": {\"EPERM\": [\"read\"]}}",
	     "t.json: errno.EPERM[0]: \"read\" is already given action allow at t.json: allow[0]; it cannot also be "
	     "errno:EPERM", "conflicting actions");
	perr("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": \"TCGETS\"}]}], "
	     "\"errno\": {\"EPERM\": [\"ioctl\"]}}",
	     "t.json: errno.EPERM[0]: \"ioctl\" is already given action allow (with conditions) at t.json: allow[0]; "
	     "it cannot also be errno:EPERM", "an unconditional rule would override another action's conditions");
	perr("{\"errno\": {\"EPERM\": [\"ioctl\"]}, \"allow\": [{\"name\": \"ioctl\", \"args\": "
	     "[{\"index\": 1, \"value\": \"TCGETS\"}]}]}",
	     "t.json: errno.EPERM[0]: \"ioctl\" is already given action allow (with conditions) at t.json: allow[0]; "
	     "it cannot also be errno:EPERM", "whatever the order in the document");
	struct vj_sc_policy *okp = pok("{\"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, "
				       "\"value\": 1}]}], \"errno\": {\"EPERM\": [{\"name\": \"ioctl\", \"args\": "
				       "[{\"index\": 1, \"value\": 2}]}]}}", "conditional rules of different actions");
	vj_sc_policy_free(okp);
	perr("{\"allow\": [\"read\"", "t.json: line 1: invalid JSON: unexpected end of data", "invalid JSON");
	perr("{\"allow\": [\"\"]}", "t.json: allow[0]: empty syscall name", "empty name");

	ferr("cycle-a.json", "@/tests/unit/seccomp/cycle-b.json: include[0]: include cycle: "
	     "@/tests/unit/seccomp/cycle-a.json -> @/tests/unit/seccomp/cycle-b.json -> "
	     "@/tests/unit/seccomp/cycle-a.json", "include cycle");
	ferr("includes-bad.json", "@/tests/unit/seccomp/frag-bad.json: allow[1]: unknown system call \"no_such_call\"",
	     "error inside an included file names that file");
	ferr("includes-default.json", "@/tests/unit/seccomp/frag-default.json: default: only the top-level policy "
	     "sets the default action", "default in a fragment");
	char want[2048];
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	const char *t = "{\"include\": [\"./does-not-exist.json\"]}";
	ok(vj_sc_policy_parse_string(t, strlen(t), "t.json", true, &p, &err) < 0, "missing include: rejected");
	snprintf(want, sizeof(want), "t.json: include[0]: policy ./does-not-exist.json: No such file or directory");
	is_str(err.msg, want, "missing include: message");
	t = "{\"include\": [\"generic\"]}";
	ok(vj_sc_policy_parse_string(t, strlen(t), "fuzz", false, &p, &err) < 0 &&
	   strcmp(err.msg, "fuzz: include[0]: includes are not allowed here") == 0, "includes can be refused");
}

static void test_accepted(void)
{
	struct vj_sc_policy *p = pok("{\"allow\": [\"read\", \"?not_a_syscall\", {\"name\": \"also_not\", \"optional\": true,"
				     " \"args\": [{\"index\": 0, \"value\": 1}]}, \"?getpid\"]}", "optional names");
	if (p) {
		is_int(p->n_rules, 2, "optional unknown names are left out, known ones kept");
		ok(vj_strv_contains(p->skipped, "not_a_syscall") && vj_strv_contains(p->skipped, "also_not"),
		   "skipped names are listed");
		ok(p->def.kind == VJ_SC_KILL_PROCESS, "default action is kill-process");
		ok(p->rules[1].optional && strcmp(p->rules[1].name, "getpid") == 0, "\"?getpid\" is getpid, optional");
		is_str(p->rules[0].origin, "t.json: allow[0]", "rules remember where they were written");
	}
	vj_sc_policy_free(p);

	p = pok("{\"default\": \"errno:EPERM\", \"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, "
		"\"value\": [\"KVM_RUN\", \"TCGETS\", 21523, \"0x5401\"]}]},"
		"{\"name\": \"clone\", \"args\": [{\"index\": 0, \"op\": \"masked-eq\", \"mask\": \"CLONE_NEWUSER|CLONE_NEWNS\","
		" \"value\": 0}]}, {\"name\": \"openat\", \"args\": [{\"index\": 0, \"value\": \"AT_FDCWD\"}]}]}",
		"value lists, names, numbers, flags");
	if (p) {
		is_int(p->n_rules, 6, "a list of 4 values is 4 rules (OR)");
		ok(p->rules[0].conds[0].value == 0xae80, "KVM_RUN by name");
		ok(p->rules[1].conds[0].value == 0x5401 && p->rules[2].conds[0].value == 21523 &&
		   p->rules[3].conds[0].value == 0x5401, "TCGETS by name, decimal and hex");
		ok(p->rules[4].conds[0].op == SCMP_CMP_MASKED_EQ && p->rules[4].conds[0].mask == (0x10000000 | 0x20000),
		   "masked-eq with or-ed flags");
		ok(p->rules[5].conds[0].value == (uint64_t)-100, "negative constants");
		ok(p->def.kind == VJ_SC_ERRNO && p->def.errnum == EPERM, "errno:EPERM default");
	}
	vj_sc_policy_free(p);

	char path[2048];
	snprintf(path, sizeof(path), "%s/tests/unit/seccomp/diamond.json", srcdir);
	struct vj_error err = { 0 };
	p = NULL;
	ok(vj_sc_policy_load(path, &p, &err) == 0, "a fragment included twice (diamond) is fine");
	if (p) {
		is_int(vj_strv_len(p->files), 3, "and read once");
		is_int(p->n_rules, 4, "its rules count once");
	}
	vj_sc_policy_free(p);

	struct vj_sc_action a;
	char buf[512];
	ok(vj_sc_action_parse("errno:ENOSYS", &a) == 0 && strcmp(vj_sc_action_name(&a, buf, sizeof(buf)),
								 "errno:ENOSYS") == 0, "action names round-trip");
	vj_sc_value_format(VJ_SC_K_CLONE, 0x3d0f00, buf, sizeof(buf));
	is_str(buf, "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|"
		    "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID", "clone flags are written by name");
	vj_sc_value_format(VJ_SC_K_CLONE, 0x01200011, buf, sizeof(buf));
	is_str(buf, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", "fork's flags with its exit signal");
	vj_sc_value_format(VJ_SC_K_IOCTL, 0xdeadbeef, buf, sizeof(buf));
	is_str(buf, "0xdeadbeef", "unnamed values in hex");
}

static void test_shipped(void)
{
	char dir[2048];
	snprintf(dir, sizeof(dir), "%s/policy", srcdir);
	DIR *d = opendir(dir);
	if (!d) {
		skip("no policy directory at %s", dir);
		return;
	}
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct vj_sc_policy *p = NULL;
		struct vj_error err = { 0 };
		int r = vj_sc_policy_load(path, &p, &err);
		if (!ok(r == 0, "%s parses", e->d_name)) {
			diag("%s", err.msg);
			continue;
		}
		r = vj_sc_policy_check_arch(p, SCMP_ARCH_AARCH64, &err);
		if (!ok(r == 0, "%s: every name resolves for aarch64", e->d_name))
			diag("%s", err.msg);
		r = vj_sc_policy_check_arch(p, SCMP_ARCH_X86_64, &err);
		if (!ok(r == 0, "%s: every name resolves for x86_64", e->d_name))
			diag("%s", err.msg);
		struct vj_bpf bpf;
		struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
		r = vj_sc_policy_compile(p, &o, &bpf, &err);
		if (!ok(r == 0 && bpf.len > 0 && bpf.len < 4096, "%s compiles (%zu instructions)", e->d_name, bpf.len))
			diag("%s", err.msg);
		vj_bpf_free(&bpf);
		vj_sc_policy_free(p);
		n++;
	}
	closedir(d);
	ok(n >= 8, "%d shipped policies checked", n);

	/* The check itself: a name only x86_64 has, not marked optional. */
	struct vj_sc_policy *p = pok("{\"allow\": [\"open\", \"?stat\"]}", "x86_64-only names");
	struct vj_error err = { 0 };
	ok(p && vj_sc_policy_check_arch(p, SCMP_ARCH_AARCH64, &err) < 0, "open is not an aarch64 syscall");
	is_str(err.msg, "t.json: allow[0]: system call \"open\" does not exist on aarch64 (mark it optional: \"?open\")",
	       "the aarch64 check names the entry");
	vj_sc_policy_free(p);
}

static int plan_from_file(const char *text, const char *file, struct vj_seccomp_plan *plan, struct vj_error *err)
{
	json_object *o = NULL;
	int r = 0;
	if (text) {
		r = vj_json_parse_string(text, strlen(text), file, &o, err);
		if (r < 0)
			return r;
	}
	json_object *root = json_object_new_object();
	if (o)
		json_object_object_add(root, "seccomp", o);
	vj_json_tag_file(root, file, false);
	struct vj_jnode n, s;
	vj_jnode_root(&n, root, file);
	vj_jnode_key(&n, "seccomp", &s);
	r = vj_seccomp_plan_parse(plan, &s, false, err);
	json_object_put(root);
	return r;
}

static int plan_from(const char *text, struct vj_seccomp_plan *plan, struct vj_error *err)
{
	return plan_from_file(text, "profile.json", plan, err);
}

static void test_plan(void)
{
	struct vj_seccomp_plan p;
	struct vj_error err = { 0 };
	ok(plan_from(NULL, &p, &err) == 0 && vj_streq(p.policy, "generic") && p.priv, "absent section: generic");
	json_object *j = vj_seccomp_plan_to_json(&p);
	const char *s = vj_json_to_string(j, false);
	ok(strstr(s, "\"policy\":\"generic\"") && strstr(s, "\"default\":\"kill-process\"") &&
	   strstr(s, "\"rules\":") && strstr(s, "generic.json") && strstr(s, "\"mode\":\"enforce\""),
	   "plan JSON names the policy, its file, the default and the rule count");
	diag("%s", s);
	json_object_put(j);
	vj_seccomp_plan_free(&p);

	ok(plan_from("{\"policy\": \"qemu-system-x86_64\", \"debug\": true}", &p, &err) == 0 &&
	   p.mode == VJ_SECCOMP_DEBUG && vj_seccomp_plan_needs_listener(&p), "debug mode");
	vj_seccomp_plan_free(&p);
	ok(plan_from("{\"learn\": \"/tmp/learned.json\"}", &p, &err) == 0 && p.mode == VJ_SECCOMP_LEARN &&
	   vj_streq(p.learn_output, "/tmp/learned.json"), "learn mode");
	vj_seccomp_plan_free(&p);

	ok(plan_from("{\"policy\": null}", &p, &err) < 0, "policy null: rejected");
	is_str(err.msg, "profile.json: seccomp.policy: every jailed program gets a filter; to allow everything, "
	       "name a policy whose \"default\" is \"allow\"", "policy null: message");
	ok(plan_from("{\"policy\": \"no-such-policy\"}", &p, &err) < 0 &&
	   vj_startswith(err.msg, "profile.json: seccomp.policy: policy \"no-such-policy\" not found (searched "),
	   "unknown policy names the key");
	ok(plan_from("{\"polcy\": \"generic\"}", &p, &err) < 0, "unknown key: rejected");
	is_str(err.msg, "profile.json: seccomp.polcy: unknown key", "unknown key: message");
	ok(plan_from("{\"debug\": true, \"learn\": \"/tmp/x.json\"}", &p, &err) < 0, "debug and learn: rejected");
	is_str(err.msg, "profile.json: seccomp.learn: \"learn\" and \"debug\" exclude each other",
	       "debug and learn: message");
	ok(plan_from("{\"learn\": \"x.json\"}", &p, &err) < 0, "relative learn output: rejected");
	is_str(err.msg, "profile.json: seccomp.learn: x.json: not an absolute path", "relative learn output: message");

	/* A relative policy path is relative to the profile that names it. */
	static char prof[2048];
	snprintf(prof, sizeof(prof), "%s/tests/unit/seccomp/some-profile.json", srcdir);
	ok(plan_from_file("{\"policy\": \"./diamond.json\"}", prof, &p, &err) == 0 && p.policy_file &&
	   strstr(p.policy_file, "/tests/unit/seccomp/diamond.json"), "relative policy paths follow the profile's directory");
	vj_seccomp_plan_free(&p);

	char text[2048];
	snprintf(text, sizeof(text), "{\"policy\": \"%s/tests/unit/seccomp/frag-bad.json\"}", srcdir);
	ok(plan_from(text, &p, &err) < 0 && strstr(err.msg, "frag-bad.json: allow[1]: unknown system call"),
	   "a bad policy file is reported against that file");
}

static void test_cli(void)
{
	json_object *ov = json_object_new_object();
	struct vj_error err = { 0 };
	int n = 0;
	for (const struct vj_cli_option *o = vj_seccomp_cli_options; o->name; o++) {
		n++;
		const char *arg = o->arg ? (strcmp(o->name, "seccomp") == 0 ? "qemu-system-x86_64" : "/tmp/l.json")
					 : NULL;
		if (strcmp(o->name, "seccomp-learn") == 0)
			continue; /* excludes debug; tested below */
		ok(o->apply(ov, arg, &err) == 0, "--%s applies", o->name);
	}
	ok(n >= 3, "three seccomp options");
	const char *s = vj_json_to_string(ov, false);
	is_str(s, "{\"seccomp\":{\"policy\":\"qemu-system-x86_64\",\"debug\":true}}", "overlay keys");
	struct vj_jnode root, k;
	vj_jnode_root(&root, ov, "overlay");
	vj_jnode_key(&root, "seccomp", &k);
	struct vj_jnode pk;
	vj_jnode_key(&k, "policy", &pk);
	is_str(pk.file, "--seccomp", "overlay values carry the option's name for messages");
	json_object_put(ov);
}

int main(void)
{
	plan_no_plan();
	const char *src = getenv("VMJAIL_TEST_SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", src ? src : ".");
	char pp[1100];
	snprintf(pp, sizeof(pp), "%s/policy", srcdir);
	setenv("VMJAIL_POLICY_PATH", pp, 1);
	test_errors();
	test_accepted();
	test_shipped();
	test_plan();
	test_cli();
	return done_testing();
}
