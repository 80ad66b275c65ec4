/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lsm-plan.c - the profile's "lsm" section and the command-line
 * options that write it: defaults, every key, strict errors in the
 * "FILE: JSON.PATH: reason" form, the JSON form read back, and what the
 * Landlock layer would enforce under each ABI (no ruleset is loaded here;
 * test-lsm-landlock.c does that).
 */
#include "tap.h"

#include <stdlib.h>
#include <sys/mount.h>

#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "lsm.h"
#include "lsm_internal.h"
#include "plan.h"

static int parse(const char *json, struct vj_lsm_plan *p, json_object **doc, struct vj_error *err)
{
	vj_error_clear(err);
	*doc = NULL;
	int r = vj_json_parse_string(json, strlen(json), "t.json", doc, err);
	if (r < 0)
		return r;
	struct vj_jnode root, n;
	vj_jnode_root(&root, *doc, "t.json");
	vj_jnode_key(&root, "lsm", &n);
	return vj_lsm_plan_parse(p, &n, err);
}

static void expect_error(const char *json, const char *want)
{
	struct vj_lsm_plan p;
	struct vj_error err;
	json_object *doc;
	int r = parse(json, &p, &doc, &err);
	ok(r < 0, "rejected: %s", json);
	is_str(err.msg, want, "message for %s", json);
	vj_lsm_plan_free(&p);
	json_object_put(doc);
}

static char *plan_json(const struct vj_lsm_plan *p)
{
	json_object *j = vj_lsm_plan_to_json(p);
	char *s = strdup(vj_json_to_string(j, false));
	json_object_put(j);
	return s;
}

static void test_defaults(void)
{
	struct vj_lsm_plan p;
	struct vj_error err;
	json_object *doc;
	ok(parse("{}", &p, &doc, &err) == 0, "absent section parses");
	is_int(p.selinux, VJ_LSM_AUTO, "SELinux follows the host");
	is_int(p.apparmor, VJ_LSM_AUTO, "AppArmor follows the host");
	is_int(p.landlock, VJ_LSM_AUTO, "Landlock where the kernel has it");
	ok(p.selinux_mcs && p.selinux_relabel, "MCS pair and relabelling on");
	ok(!p.tcp_bind.set && !p.tcp_connect.set, "TCP ports auto");
	ok(p.scope_signal && p.scope_abstract_unix, "scopes on");
	char *s = plan_json(&p);
	is_str(s,
	       "{\"selinux\":{\"mode\":\"auto\",\"mcs\":true,\"categories\":[0,1023],\"relabel\":true},\"apparmor\":{\"mode\":\"auto\"},"
	       "\"landlock\":{\"mode\":\"auto\",\"tcp_bind\":\"auto\",\"tcp_connect\":\"auto\",\"scope_signal\":true,"
	       "\"scope_abstract_unix\":true}}",
	       "default JSON");
	free(s);
	vj_lsm_plan_free(&p);
	json_object_put(doc);
}

static void test_full(void)
{
	struct vj_lsm_plan p, q;
	struct vj_error err;
	json_object *doc, *doc2;
	int r = parse("{\"lsm\": {\"selinux\": {\"label\": \"system_u:system_r:svirt_t:s0\","
		      " \"file_label\": \"system_u:object_r:svirt_image_t:s0\", \"mcs\": false, \"relabel\": false,"
		      " \"categories\": [100, 199]},"
		      " \"apparmor\": {\"mode\": \"optional\", \"profile\": \"my-qemu\"},"
		      " \"landlock\": {\"mode\": \"required\", \"tcp_bind\": [5900, 5901], \"tcp_connect\": \"any\","
		      " \"scope_signal\": false}}}",
		      &p, &doc, &err);
	ok(r == 0, "full section parses: %s", r < 0 ? err.msg : "ok");
	is_int(p.selinux, VJ_LSM_REQUIRED, "a named SELinux label makes it required");
	is_str(p.selinux_label, "system_u:system_r:svirt_t:s0", "label");
	is_str(p.selinux_file_label, "system_u:object_r:svirt_image_t:s0", "file_label");
	ok(!p.selinux_mcs && !p.selinux_relabel, "mcs and relabel off");
	ok(p.selinux_mcs_lo == 100 && p.selinux_mcs_hi == 199, "categories c100..c199");
	is_int(p.apparmor, VJ_LSM_OPTIONAL, "an explicit mode wins over the named profile");
	is_str(p.apparmor_profile, "my-qemu", "profile");
	is_int(p.landlock, VJ_LSM_REQUIRED, "landlock required");
	ok(p.tcp_bind.set && !p.tcp_bind.any && p.tcp_bind.n == 2 && p.tcp_bind.ports[1] == 5901, "tcp_bind list");
	ok(p.tcp_connect.set && p.tcp_connect.any, "tcp_connect any");
	ok(!p.scope_signal && p.scope_abstract_unix, "scopes");

	/* The JSON form reads back to the same plan. */
	char *s = plan_json(&p);
	char *wrapped = NULL;
	if (asprintf(&wrapped, "{\"lsm\": %s}", s) < 0)
		abort();
	r = parse(wrapped, &q, &doc2, &err);
	ok(r == 0, "the JSON form parses: %s", r < 0 ? err.msg : "ok");
	char *s2 = plan_json(&q);
	is_str(s2, s, "and prints the same");
	free(s);
	free(s2);
	free(wrapped);
	vj_lsm_plan_free(&p);
	vj_lsm_plan_free(&q);
	json_object_put(doc);
	json_object_put(doc2);

	r = parse("{\"lsm\": {\"selinux\": \"off\", \"apparmor\": \"required\", \"landlock\": \"optional\"}}", &p, &doc,
		  &err);
	ok(r == 0 && p.selinux == VJ_LSM_OFF && p.apparmor == VJ_LSM_REQUIRED && p.landlock == VJ_LSM_OPTIONAL,
	   "string shorthands");
	vj_lsm_plan_free(&p);
	json_object_put(doc);
}

static void test_errors(void)
{
	expect_error("{\"lsm\": {\"smack\": \"on\"}}", "t.json: lsm.smack: unknown key");
	expect_error("{\"lsm\": {\"selinux\": \"maybe\"}}",
		     "t.json: lsm.selinux: \"maybe\": expected one of \"off\", \"auto\", \"optional\", \"required\"");
	expect_error("{\"lsm\": {\"selinux\": {\"level\": \"s0\"}}}", "t.json: lsm.selinux.level: unknown key");
	expect_error("{\"lsm\": {\"selinux\": {\"label\": \"svirt_t\"}}}",
		     "t.json: lsm.selinux.label: \"svirt_t\": expected a context USER:ROLE:TYPE:LEVEL");
	expect_error("{\"lsm\": {\"selinux\": {\"label\": \"a:b:c d:s0\"}}}",
		     "t.json: lsm.selinux.label: \"a:b:c d:s0\": a context has no spaces or control characters");
	expect_error("{\"lsm\": {\"selinux\": {\"categories\": [5]}}}",
		     "t.json: lsm.selinux.categories: expected [FIRST, LAST], category numbers 0..1023");
	expect_error("{\"lsm\": {\"selinux\": {\"categories\": [5, 5]}}}",
		     "t.json: lsm.selinux.categories: c5..c5: the range needs at least two categories");
	expect_error("{\"lsm\": {\"selinux\": {\"categories\": [0, 1024]}}}",
		     "t.json: lsm.selinux.categories[1]: 1024 out of range [0, 1023]");
	expect_error("{\"lsm\": {\"apparmor\": {\"profile\": \"\"}}}", "t.json: lsm.apparmor.profile: expected a profile name");
	expect_error("{\"lsm\": {\"apparmor\": 3}}",
		     "t.json: lsm.apparmor: expected \"required\", \"optional\", \"auto\", \"off\" or an object");
	expect_error("{\"lsm\": {\"landlock\": {\"tcp_bind\": [70000]}}}", "t.json: lsm.landlock.tcp_bind[0]: 70000 out of range [0, 65535]");
	expect_error("{\"lsm\": {\"landlock\": {\"tcp_connect\": \"all\"}}}",
		     "t.json: lsm.landlock.tcp_connect: expected a list of TCP ports, \"any\" or \"auto\"");
	expect_error("{\"lsm\": {\"landlock\": {\"scope_signal\": 1}}}", "t.json: lsm.landlock.scope_signal: expected a boolean, got an integer");
	expect_error("{\"lsm\": []}", "t.json: lsm: expected an object, got an array");
}

static void test_cli(void)
{
	size_t n = 0;
	for (const struct vj_cli_option *o = vj_lsm_cli_options; o->name; o++)
		n++;
	is_int(n, 5, "five options");
	json_object *ov = json_object_new_object();
	struct vj_error err = { 0 };
	for (const struct vj_cli_option *o = vj_lsm_cli_options; o->name; o++) {
		const char *arg = strcmp(o->name, "selinux-label") == 0 ? "u:r:t:s0"
				  : strcmp(o->name, "apparmor-profile") == 0 ? "prof"
									     : "required";
		ok(o->apply(ov, arg, &err) == 0, "--%s %s", o->name, arg);
	}
	is_str(vj_json_to_string(ov, false),
	       "{\"lsm\":{\"selinux\":{\"mode\":\"required\",\"label\":\"u:r:t:s0\"},\"apparmor\":{\"mode\":\"required\","
	       "\"profile\":\"prof\"},\"landlock\":{\"mode\":\"required\"}}}",
	       "the overlay");
	for (const struct vj_cli_option *o = vj_lsm_cli_options; o->name; o++)
		if (strcmp(o->name, "landlock") == 0) {
			ok(o->apply(ov, "sometimes", &err) < 0, "--landlock sometimes is refused");
			is_str(err.msg, "--landlock sometimes: expected required, optional, auto or off", "message");
		}
	json_object_put(ov);
}

/* What Landlock handles under each ABI, from a plan (no kernel needed). */
static void test_landlock_abi(void)
{
	struct vj_mount mounts[] = {
		{ .type = VJ_MOUNT_RO_BIND, .source = (char *)"/usr", .target = (char *)"/usr" },
		{ .type = VJ_MOUNT_TMPFS, .target = (char *)"/tmp" },
		{ .type = VJ_MOUNT_RO_BIND, .source = (char *)"/etc/hostname", .target = (char *)"/etc/hostname",
		  .flags = MS_NOEXEC },
		{ .type = VJ_MOUNT_DEV_BIND, .source = (char *)"/dev/null", .target = (char *)"/dev/null" },
		{ .type = VJ_MOUNT_PROC, .target = (char *)"/proc" },
		{ .type = VJ_MOUNT_SYMLINK, .source = (char *)"usr/bin", .target = (char *)"/bin" },
		{ .type = VJ_MOUNT_RO_BIND, .source = (char *)"/nonexistent", .target = (char *)"/opt", .optional = true,
		  .skip = true },
	};
	struct vj_plan plan = { .mounts = mounts, .n_mounts = ARRAY_SIZE(mounts), .net = VJ_NET_NONE };
	plan.ns[VJ_NS_NET] = true;
	struct vj_error err;
	json_object *doc;
	parse("{}", &plan.lsm, &doc, &err);

	static const char *const want_missing[] = {
		[1] = "[\"refer\",\"truncate\",\"ioctl_dev\"]",
		[2] = "[\"truncate\",\"ioctl_dev\"]",
		[3] = "[\"ioctl_dev\"]",
		[4] = "[\"ioctl_dev\"]",
		[5] = "[]",
		[6] = "[]",
		[7] = "[]",
	};
	for (int abi = 1; abi <= 7; abi++) {
		struct vj_landlock ll;
		ok(vj_landlock_prepare(&ll, &plan, abi, &err) == 0, "ABI %d: prepared", abi);
		json_object *j = vj_landlock_to_json(&ll);
		json_object *v;
		json_object_object_get_ex(j, "fs_not_enforced", &v);
		is_str(vj_json_to_string(v, false), want_missing[abi], "ABI %d: rights not enforced", abi);
		json_object_object_get_ex(j, "scoped", &v);
		is_int(json_object_array_length(v), abi >= 6 ? 2 : 0, "ABI %d: scopes", abi);
		json_object *net, *e;
		json_object_object_get_ex(j, "net", &net);
		json_object_object_get_ex(net, "enforced", &e);
		ok(!json_object_get_boolean(e), "ABI %d: own network namespace, both port lists \"any\": TCP not enforced",
		   abi);
		if (abi == 7) {
			json_object *rules;
			json_object_object_get_ex(j, "rules", &rules);
			is_str(vj_json_to_string(rules, false),
			       "[{\"path\":\"/\",\"access\":[\"read_dir\"]},"
			       "{\"path\":\"/usr\",\"access\":[\"execute\",\"read_file\",\"read_dir\"]},"
			       "{\"path\":\"/tmp\",\"access\":[\"execute\",\"write_file\",\"read_file\",\"read_dir\",\"remove_dir\","
			       "\"remove_file\",\"make_dir\",\"make_reg\",\"make_sock\",\"make_fifo\",\"make_sym\",\"refer\",\"truncate\"]},"
			       "{\"path\":\"/etc/hostname\",\"access\":[\"read_file\"]},"
			       "{\"path\":\"/dev/null\",\"access\":[\"write_file\",\"read_file\",\"ioctl_dev\"]},"
			       "{\"path\":\"/proc\",\"access\":[\"read_file\",\"read_dir\"]}]",
			       "ABI 7: the rules: ro read+exec, tmpfs read-write, noexec file read only, the device, proc "
			       "read-only; no rule for symlinks or skipped mounts, no make_char/make_block anywhere");
			json_object_object_get_ex(net, "tcp_bind", &e);
			is_str(json_object_get_string(e), "any", "own network namespace: TCP not restricted by default");
		}
		json_object_put(j);
		vj_landlock_free(&ll);
	}
	/* A shared network: closed by default. */
	plan.net = VJ_NET_HOST;
	plan.ns[VJ_NS_NET] = false;
	struct vj_landlock ll;
	vj_landlock_prepare(&ll, &plan, 7, &err);
	json_object *j = vj_landlock_to_json(&ll), *net, *e;
	json_object_object_get_ex(j, "net", &net);
	json_object_object_get_ex(net, "tcp_bind", &e);
	is_str(vj_json_to_string(e, false), "[]", "host network: no TCP bind by default");
	json_object_object_get_ex(net, "tcp_connect", &e);
	is_str(vj_json_to_string(e, false), "[]", "host network: no TCP connect by default");
	json_object_object_get_ex(net, "enforced", &e);
	ok(json_object_get_boolean(e), "host network, ABI 7: TCP enforced");
	json_object_put(j);
	vj_landlock_free(&ll);
	/* The same before ABI 4: nothing to enforce TCP with. */
	vj_landlock_prepare(&ll, &plan, 3, &err);
	j = vj_landlock_to_json(&ll);
	json_object_object_get_ex(j, "net", &net);
	json_object_object_get_ex(net, "enforced", &e);
	ok(!json_object_get_boolean(e), "host network, ABI 3: TCP not enforced");
	json_object_put(j);
	vj_landlock_free(&ll);
	/* Both lists "any" on the host network: handled by nothing. */
	plan.lsm.tcp_bind = (struct vj_lsm_ports){ .set = true, .any = true };
	plan.lsm.tcp_connect = (struct vj_lsm_ports){ .set = true, .any = true };
	vj_landlock_prepare(&ll, &plan, 7, &err);
	j = vj_landlock_to_json(&ll);
	json_object_object_get_ex(j, "net", &net);
	json_object_object_get_ex(net, "enforced", &e);
	ok(!json_object_get_boolean(e), "tcp_bind and tcp_connect \"any\": TCP not enforced");
	json_object_put(j);
	vj_landlock_free(&ll);
	plan.lsm.tcp_bind = plan.lsm.tcp_connect = (struct vj_lsm_ports){ 0 };
	vj_lsm_plan_free(&plan.lsm);
	json_object_put(doc);
}

static void test_apparmor_text(void)
{
	struct vj_mount mounts[] = {
		{ .type = VJ_MOUNT_RO_BIND, .source = (char *)"/usr", .target = (char *)"/usr" },
		{ .type = VJ_MOUNT_BIND, .source = (char *)"/tmp", .target = (char *)"/var/lib/my vm*" },
		{ .type = VJ_MOUNT_TMPFS, .target = (char *)"/dev" },
		{ .type = VJ_MOUNT_DEV_BIND, .source = (char *)"/dev/null", .target = (char *)"/dev/null" },
	};
	struct vj_plan plan = { .mounts = mounts, .n_mounts = ARRAY_SIZE(mounts), .id = (char *)"t1",
				.caps_keep = 1ULL << 10 };
	char *t = vj_lsm_apparmor_generate(&plan, "vmjail-t1");
	ok(t && strstr(t, "profile vmjail-t1 flags=(attach_disconnected,mediate_deleted) {"), "profile header");
	ok(t && strstr(t, "  \"/usr/\" r,\n  \"/usr/**\" mrix,\n"), "ro bind: read and inherit-exec");
	ok(t && strstr(t, "  \"/var/lib/my vm\\*/\" rw,\n  \"/var/lib/my vm\\*/**\" mrwixlk,\n"),
	   "writable bind, quoted, pattern characters escaped");
	ok(t && strstr(t, "  \"/dev/\" r,\n") && !strstr(t, "\"/dev/**\""), "the /dev tmpfs: its directory only");
	ok(t && strstr(t, "  \"/dev/null\" rwk,\n"), "the device");
	ok(t && strstr(t, "  capability net_bind_service,\n"), "a kept capability");
	ok(t && !strstr(t, "capability sys_admin"), "no other capability");
	ok(t && strstr(t, "deny mount,") && strstr(t, "deny ptrace,"), "no mount, no ptrace");
	ok(t && !strstr(t, "#include"), "self-contained (no includes)");
	if (t && getenv("VERBOSE"))
		diag("%s", t);
	free(t);
}

int main(void)
{
	plan_no_plan();
	test_defaults();
	test_full();
	test_errors();
	test_cli();
	test_landlock_abi();
	test_apparmor_text();
	return done_testing();
}
