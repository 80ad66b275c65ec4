/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup-plan.c - the profile's "cgroup" section and the command-line
 * options that write it: defaults, every key, strict errors in the
 * "FILE: JSON.PATH: reason" form, the JSON form read back. No cgroups are
 * touched.
 */
#include "test-cgroup.h"

#include "cli.h"

static int parse(const char *json, struct vj_plan *plan, struct vj_error *err)
{
	vj_error_clear(err);
	return tc_plan(plan, "t", json, err);
}

static void expect_error(const char *json, const char *want)
{
	struct vj_plan plan;
	struct vj_error err;
	int r = parse(json, &plan, &err);
	ok(r < 0, "rejected: %s", json);
	is_str(err.msg, want, "message for %s", json);
	tc_plan_free(&plan);
}

static void test_defaults(void)
{
	struct vj_plan plan;
	struct vj_error err;
	int r = parse("{}", &plan, &err);
	ok(r == 0, "absent section parses");
	ok(plan.cgroup.enabled, "enabled by default");
	ok(!plan.cgroup.required, "optional without limits");
	is_int(plan.cgroup.devices, VJ_CGROUP_DEVICES_OPTIONAL, "devices optional by default");
	ok(!vj_cgroup_plan_has_limits(&plan.cgroup), "no limits");
	json_object *j = vj_cgroup_plan_to_json(&plan.cgroup);
	is_str(vj_json_to_string(j, false), "{\"enabled\":true,\"required\":\"optional\",\"devices\":\"optional\"}",
	       "default JSON");
	json_object_put(j);
	tc_plan_free(&plan);
}

static void test_full(void)
{
	struct vj_plan plan;
	struct vj_error err;
	int r = parse("{\"cgroup\": {\"parent\": \"/machine/vms/\", \"memory\": {\"max\": \"512M\", \"swap_max\": \"0\"},"
		      " \"pids\": {\"max\": 128}, \"cpu\": {\"weight\": 200, \"max\": 1.5},"
		      " \"cpuset\": {\"cpus\": \"0-1,3\", \"mems\": \"0\"}, \"io\": {\"weight\": 50},"
		      " \"devices\": \"required\"}}",
		      &plan, &err);
	ok(r == 0, "full section parses: %s", r < 0 ? err.msg : "ok");
	struct vj_cgroup_plan *p = &plan.cgroup;
	ok(p->required, "limits make it required");
	is_str(p->parent, "/machine/vms", "parent, trailing slash dropped");
	is_int(p->memory_max, 512u << 20, "memory.max");
	is_int(p->swap_max, 0, "swap_max");
	is_int(p->pids_max, 128, "pids.max");
	is_int(p->cpu_weight, 200, "cpu.weight");
	is_int(p->cpu_quota_us, 150000, "1.5 CPUs = 150000us quota");
	is_int(p->cpu_period_us, 100000, "per 100000us");
	is_str(p->cpuset_cpus, "0-1,3", "cpuset.cpus");
	is_str(p->cpuset_mems, "0", "cpuset.mems");
	is_int(p->io_weight, 50, "io.weight");
	is_int(p->devices, VJ_CGROUP_DEVICES_REQUIRED, "devices");

	/* The printed form parses back to the same thing. */
	json_object *j = vj_cgroup_plan_to_json(p);
	_cleanup_free_ char *first = vj_xstrdup(vj_json_to_string(j, false));
	_cleanup_free_ char *doc = vj_xasprintf("{\"cgroup\": %s}", first);
	json_object_put(j);
	struct vj_plan again;
	r = parse(doc, &again, &err);
	ok(r == 0, "to_json output parses: %s", r < 0 ? err.msg : "ok");
	j = vj_cgroup_plan_to_json(&again.cgroup);
	is_str(vj_json_to_string(j, false), first, "and prints the same");
	json_object_put(j);
	tc_plan_free(&again);
	tc_plan_free(&plan);

	r = parse("{\"cgroup\": {\"memory\": {\"max\": \"max\"}, \"pids\": {\"max\": \"max\"},"
		  " \"cpu\": {\"max\": {\"quota_us\": 50000, \"period_us\": 200000}}, \"required\": \"optional\"}}",
		  &plan, &err);
	ok(r == 0, "\"max\" values and quota/period: %s", r < 0 ? err.msg : "ok");
	ok(plan.cgroup.memory_max == VJ_CGROUP_UNLIMITED && plan.cgroup.pids_max == VJ_CGROUP_UNLIMITED,
	   "\"max\" means unlimited");
	ok(plan.cgroup.cpu_quota_us == 50000 && plan.cgroup.cpu_period_us == 200000, "quota/period");
	ok(!plan.cgroup.required, "explicit optional wins over the default");
	tc_plan_free(&plan);

	r = parse("{\"cgroup\": {\"enabled\": false}}", &plan, &err);
	ok(r == 0 && !plan.cgroup.enabled, "enabled: false");
	tc_plan_free(&plan);
}

static void test_errors(void)
{
	expect_error("{\"cgroup\": {\"memroy\": {}}}", "test.json: cgroup.memroy: unknown key");
	expect_error("{\"cgroup\": {\"memory\": {\"max\": \"12Q\"}}}",
		     "test.json: cgroup.memory.max: \"12Q\": expected a size (e.g. \"512M\", \"2G\") or \"max\"");
	expect_error("{\"cgroup\": {\"memory\": {\"max\": 100}}}",
		     "test.json: cgroup.memory.max: 100 bytes is too small (at least 4K)");
	expect_error("{\"cgroup\": {\"pids\": {\"max\": 0}}}",
		     "test.json: cgroup.pids.max: 0 out of range [1, 2147483647]");
	expect_error("{\"cgroup\": {\"cpu\": {\"weight\": 0}}}",
		     "test.json: cgroup.cpu.weight: 0 out of range [1, 10000]");
	expect_error("{\"cgroup\": {\"cpu\": {\"max\": 0}}}",
		     "test.json: cgroup.cpu.max: 0 CPUs: expected 0.01 to 4096");
	expect_error("{\"cgroup\": {\"cpu\": {\"max\": {\"quota\": 5}}}}",
		     "test.json: cgroup.cpu.max: expected a number of CPUs, \"max\" or {\"quota_us\", \"period_us\"}");
	expect_error("{\"cgroup\": {\"cpuset\": {\"cpus\": \"1-0\"}}}",
		     "test.json: cgroup.cpuset.cpus: \"1-0\": expected a list like \"0-1,4\"");
	expect_error("{\"cgroup\": {\"parent\": \"vmjail\"}}", "test.json: cgroup.parent: vmjail: not an absolute path");
	expect_error("{\"cgroup\": {\"devices\": \"maybe\"}}",
		     "test.json: cgroup.devices: \"maybe\": expected one of \"off\", \"optional\", \"required\"");
	expect_error("{\"cgroup\": {\"required\": true}}", "test.json: cgroup.required: expected a string, got a boolean");
	expect_error("{\"cgroup\": []}", "test.json: cgroup: expected an object, got an array");
}

static const struct vj_cli_option *opt(const char *name)
{
	for (const struct vj_cli_option *o = vj_cgroup_cli_options; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void test_cli(void)
{
	struct vj_error err = { 0 };
	json_object *ov = json_object_new_object();
	static const char *const args[][2] = {
		{ "memory", "256M" }, { "memory-swap", "0" }, { "pids-max", "64" }, { "cpus", "0.5" },
		{ "cpu-weight", "300" }, { "cpuset", "0" }, { "cpuset-mems", "0" }, { "io-weight", "20" },
		{ "cgroup-parent", "/custom" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
		const struct vj_cli_option *o = opt(args[i][0]);
		ok(o && o->apply(ov, args[i][1], &err) == 0, "--%s %s", args[i][0], args[i][1]);
	}
	struct vj_jnode root, n;
	struct vj_plan plan;
	memset(&plan, 0, sizeof(plan));
	vj_jnode_root(&root, ov, "command line");
	vj_jnode_key(&root, "cgroup", &n);
	int r = vj_cgroup_plan_parse(&plan.cgroup, &n, &err);
	ok(r == 0, "the overlay parses: %s", r < 0 ? err.msg : "ok");
	struct vj_cgroup_plan *p = &plan.cgroup;
	ok(p->memory_max == 256u << 20 && p->swap_max == 0 && p->pids_max == 64 && p->cpu_quota_us == 50000 &&
	   p->cpu_weight == 300 && vj_streq(p->cpuset_cpus, "0") && vj_streq(p->cpuset_mems, "0") &&
	   p->io_weight == 20 && vj_streq(p->parent, "/custom") && p->required,
	   "every option landed on its key");
	vj_cgroup_plan_free(p);
	json_object_put(ov);

	ov = json_object_new_object();
	ok(opt("no-cgroup")->apply(ov, NULL, &err) == 0, "--no-cgroup");
	vj_jnode_root(&root, ov, "command line");
	vj_jnode_key(&root, "cgroup", &n);
	r = vj_cgroup_plan_parse(&plan.cgroup, &n, &err);
	ok(r == 0 && !plan.cgroup.enabled, "--no-cgroup disables it");
	vj_cgroup_plan_free(&plan.cgroup);
	json_object_put(ov);

	ov = json_object_new_object();
	r = opt("pids-max")->apply(ov, "lots", &err);
	ok(r < 0, "--pids-max lots is refused");
	is_str(err.msg, "--pids-max lots: expected a whole number", "its message");
	r = opt("cpus")->apply(ov, "x1", &err);
	is_str(err.msg, "--cpus x1: expected a number of CPUs such as 1.5", "--cpus message");
	ok(opt("memory")->apply(ov, "12Q", &err) == 0, "--memory stores the text");
	vj_jnode_root(&root, ov, "command line");
	vj_jnode_key(&root, "cgroup", &n);
	r = vj_cgroup_plan_parse(&plan.cgroup, &n, &err);
	ok(r < 0, "a bad --memory fails validation");
	is_str(err.msg, "--memory: cgroup.memory.max: \"12Q\": expected a size (e.g. \"512M\", \"2G\") or \"max\"",
	       "and names the option");
	vj_cgroup_plan_free(&plan.cgroup);
	json_object_put(ov);
}

int main(void)
{
	plan_no_plan();
	test_defaults();
	test_full();
	test_errors();
	test_cli();
	return done_testing();
}
