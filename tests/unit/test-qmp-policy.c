/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP policy, the "qmp" profile section, wiring and CLI options. */
#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "qmp-int.h"
#include "router.h"
#include "tap.h"

static json_object *J(const char *s)
{
	struct vj_error err = { 0 };
	json_object *o = NULL;
	if (vj_json_parse_string(s, strlen(s), "test.json", &o, &err) < 0)
		diag("bad test JSON: %s", err.msg);
	return o;
}

static int parse(const char *text, struct vj_qmp_plan *p, struct vj_error *err)
{
	json_object *o = J(text);
	struct vj_jnode root, q;
	vj_jnode_root(&root, o, "test.json");
	vj_jnode_key(&root, "qmp", &q);
	memset(p, 0, sizeof(*p));
	int r = vj_qmp_plan_parse(p, &q, err);
	json_object_put(o);
	return r;
}

static void bad(const char *text, const char *want)
{
	struct vj_error err = { 0 };
	struct vj_qmp_plan p;
	int r = parse(text, &p, &err);
	ok(r < 0, "refused: %s", text);
	if (want)
		is_str(err.msg, want, "message");
	vj_qmp_plan_free(&p);
}

static bool allows(const struct vj_qmp_policy *p, const char *cmd, const char *args)
{
	json_object *a = args ? J(args) : NULL;
	bool r = vj_qmp_policy_allows(p, cmd, a);
	json_object_put(a);
	return r;
}

int main(void)
{
	plan_no_plan();
	struct vj_error err = { 0 };
	struct vj_qmp_plan p;

	ok(parse("{}", &p, &err) == 0 && !p.enabled, "no section: disabled");
	vj_qmp_plan_free(&p);

	int r = parse("{\"qmp\": {\"sockets\": [{\"path\": \"/run/a.sock\"},"
		      "{\"path\": \"/run/ro.sock\", \"policy\": \"readonly\", \"mode\": \"0660\", \"group\": 100},"
		      "{\"path\": \"/run/c.sock\", \"policy\": {\"allow\": [\"query-status\","
		      "{\"command\": \"migrate\", \"arguments\": {\"uri\": \"tcp:*\"}}]}}],"
		      "\"deny\": [\"quit\"], \"max_client_message\": 8192}}", &p, &err);
	ok(r == 0 && p.enabled, "a full section parses (%s)", err.msg);
	struct vj_qmp_cfg *c = vj_qmp_cfg(&p);
	const struct vj_qmp_policy *full = &c->sockets[0].policy, *ro = &c->sockets[1].policy,
				    *cu = &c->sockets[2].policy;
	is_int(c->sockets[0].mode, 0600, "default mode 0600");
	is_int(c->sockets[1].mode, 0660, "mode from the socket");
	is_int(c->sockets[1].gid, 100, "group");
	is_int(c->max_client_message, 8192, "max_client_message");

	ok(allows(full, "stop", NULL), "full: stop allowed");
	ok(!allows(full, "human-monitor-command", "{\"command-line\": \"info\"}"), "full: HMP denied");
	ok(!allows(full, "migrate", "{\"uri\": \"exec:cat > /x\"}"), "full: migrate exec: denied");
	ok(allows(full, "migrate", "{\"uri\": \"unix:/run/m.sock\"}"), "full: migrate unix: allowed");
	ok(!allows(full, "dump-guest-memory", "{\"paging\": false, \"protocol\": \"file:/x\"}"),
	   "full: dump-guest-memory to a file denied");
	ok(allows(full, "dump-guest-memory", "{\"paging\": false, \"protocol\": \"fd:d\"}"),
	   "full: dump-guest-memory to an fd allowed");
	ok(!allows(full, "netdev_add", "{\"type\": \"tap\", \"id\": \"n\", \"script\": \"/bin/sh\"}"),
	   "full: netdev_add with a script denied");
	ok(allows(full, "netdev_add", "{\"type\": \"tap\", \"id\": \"n\", \"script\": \"no\", \"fd\": \"t\"}"),
	   "full: netdev_add script=no allowed");
	ok(!allows(full, "netdev_add", "{\"type\": \"tap\", \"id\": \"n\", \"helper\": \"/bin/sh\"}"),
	   "full: netdev_add with a helper program denied");
	ok(!allows(full, "migrate", "{\"channels\": [{\"channel-type\": \"main\", \"addr\": "
				    "{\"transport\": \"exec\", \"args\": [\"sh\", \"-c\", \"x\"]}}]}") &&
	   !allows(full, "migrate-incoming", "{\"channels\": []}"),
	   "full: migrate with channels (QEMU 8.2+, exec transport inside) denied");
	ok(!allows(full, "migrate", "{\"uri\": \"file:/tmp/x\"}") && allows(full, "migrate", "{\"uri\": \"fd:m\"}") &&
	   allows(full, "migrate", "{\"uri\": \"unix:/run/m.sock\"}"),
	   "full: migrate to file: denied, fd: and unix: allowed");
	ok(!allows(full, "quit", NULL), "global deny applies to full");
	ok(!allows(full, "migrate", "{\"uri\": \"exec:\\u0000x\"}"), "embedded NUL: deny rule matches");

	ok(allows(ro, "query-status", NULL) && allows(ro, "qom-get", NULL), "readonly: queries allowed");
	ok(!allows(ro, "stop", NULL) && !allows(ro, "ringbuf-read", NULL) && !allows(ro, "device_add", NULL),
	   "readonly: anything else denied");
	ok(!allows(ro, "device-list-properties", NULL) && !allows(ro, "qom-list-properties", NULL),
	   "readonly: no command that instantiates a type");
	ok(allows(cu, "query-status", NULL) && !allows(cu, "query-name", NULL), "allow list");
	ok(allows(cu, "migrate", "{\"uri\": \"tcp:1:2\"}") && !allows(cu, "migrate", "{\"uri\": \"unix:/x\"}"),
	   "allow rule with arguments");
	ok(vj_qmp_policy_lists(cu, "migrate") && !vj_qmp_policy_lists(full, "human-monitor-command") &&
	   vj_qmp_policy_lists(full, "migrate"), "introspection lists by name");

	json_object *cmds = J("[{\"name\": \"stop\"}, {\"name\": \"query-status\"}, {\"name\": \"qmp_capabilities\"},"
			      "{\"name\": \"quit\"}]");
	vj_qmp_filter_commands(ro, cmds);
	is_str(vj_json_to_string(cmds, false), "[{\"name\":\"query-status\"},{\"name\":\"qmp_capabilities\"}]",
	       "query-commands filtered");
	json_object_put(cmds);
	json_object *schema = J("[{\"name\": \"stop\", \"meta-type\": \"command\"}, {\"name\": \"STOP\","
				"\"meta-type\": \"event\"}, {\"name\": \"0\", \"meta-type\": \"object\"},"
				"{\"name\": \"query-status\", \"meta-type\": \"command\"}]");
	vj_qmp_filter_schema(ro, schema);
	is_int(json_object_array_length(schema), 3, "query-qmp-schema: the denied command removed, the rest kept");
	json_object_put(schema);

	json_object *to = vj_qmp_plan_to_json(&p);
	ok(strstr(vj_json_to_string(to, false), "\"mode\":\"0660\"") != NULL, "to_json shows the mode");
	json_object_put(to);

	char **argv = vj_qmp_target_argv(&p, 3);
	ok(argv && vj_strv_len(argv) == 4 && !strcmp(argv[1], "socket,id=vmjail-qmp,fd=3") &&
	   !strcmp(argv[3], "chardev=vmjail-qmp,mode=control"), "QEMU wiring");
	vj_strv_free(argv);
	vj_qmp_plan_free(&p);

	r = parse("{\"qmp\": {\"wiring\": \"qemu-storage-daemon\", \"sockets\": [{\"path\": \"/a\"}]}}", &p, &err);
	argv = vj_qmp_target_argv(&p, 5);
	ok(r == 0 && argv && !strcmp(argv[0], "--chardev") && !strcmp(argv[2], "--monitor") &&
	   !strcmp(argv[3], "chardev=vmjail-qmp"), "qemu-storage-daemon wiring");
	vj_strv_free(argv);
	vj_qmp_plan_free(&p);
	r = parse("{\"qmp\": {\"wiring\": [\"-qmp\", \"fd:{fd}\"], \"enabled\": true}}", &p, &err);
	argv = vj_qmp_target_argv(&p, 7);
	ok(r == 0 && argv && !strcmp(argv[1], "fd:7"), "template wiring");
	vj_strv_free(argv);
	vj_qmp_plan_free(&p);

	bad("{\"qmp\": {\"sokets\": []}}", "test.json: qmp.sokets: unknown key");
	bad("{\"qmp\": {\"sockets\": [{\"path\": \"rel\"}]}}", NULL);
	bad("{\"qmp\": {\"sockets\": [{\"path\": \"/a\", \"mode\": \"0999\"}]}}",
	    "test.json: qmp.sockets[0].mode: expected an octal mode such as \"0600\", got \"0999\"");
	bad("{\"qmp\": {\"sockets\": [{\"path\": \"/a\"}, {\"path\": \"/a\"}]}}",
	    "test.json: qmp.sockets[1].path: \"/a\" is given twice");
	bad("{\"qmp\": {\"sockets\": [{\"path\": \"/a\", \"policy\": \"rw\"}]}}", NULL);
	bad("{\"qmp\": {\"sockets\": [{\"path\": \"/a\", \"policy\": {\"allow\": [], \"deny\": []}}]}}",
	    "test.json: qmp.sockets[0].policy: exactly one of \"allow\" and \"deny\" is needed");
	bad("{\"qmp\": {\"deny\": [\"bad name!\"]}}", "test.json: qmp.deny[0]: \"bad name!\" is not a command name or glob");
	bad("{\"qmp\": {\"deny\": [{\"command\": \"x\", \"args\": {}}]}}", NULL);
	bad("{\"qmp\": {\"wiring\": [\"-x\"]}}", "test.json: qmp.wiring: no argument contains \"{fd}\"");
	bad("{\"qmp\": {\"max_client_message\": 10}}", NULL);

	/* CLI options write the overlay. */
	json_object *ov = json_object_new_object();
	const struct vj_cli_option *o;
	for (o = vj_qmp_cli_options; o->name; o++) {
		const char *arg = !strcmp(o->name, "qmp") ? "/run/q.sock" : !strcmp(o->name, "qmp-readonly") ? "/run/r.sock"
			: !strcmp(o->name, "qmp-mode") ? "0660" : !strcmp(o->name, "qmp-owner") ? "10:20" : "stop";
		ok(o->apply(ov, arg, &err) == 0, "--%s %s (%s)", o->name, arg, err.msg);
	}
	json_object *wrap = json_object_new_object();
	json_object *qsec = NULL;
	json_object_object_get_ex(ov, "qmp", &qsec);
	json_object_object_add(wrap, "qmp", json_object_get(qsec));
	struct vj_jnode root, q;
	vj_jnode_root(&root, wrap, "cli");
	vj_jnode_key(&root, "qmp", &q);
	memset(&p, 0, sizeof(p));
	r = vj_qmp_plan_parse(&p, &q, &err);
	c = vj_qmp_cfg(&p);
	ok(r == 0 && p.enabled && c->n_sockets == 2 && c->sockets[1].mode == 0660 && c->sockets[0].uid == 10 &&
	   c->sockets[0].gid == 20 && !vj_qmp_policy_allows(&c->sockets[0].policy, "stop", NULL) &&
	   vj_qmp_policy_allows(&c->sockets[1].policy, "query-status", NULL) &&
	   !vj_qmp_policy_allows(&c->sockets[1].policy, "cont", NULL),
	   "the overlay from the options is a valid section (%s)", err.msg);
	vj_qmp_plan_free(&p);
	json_object_put(wrap);
	json_object_put(ov);
	ov = json_object_new_object();
	ok(vj_qmp_cli_options[2].apply(ov, "777x", &err) < 0, "--qmp-mode refuses junk");
	is_str(err.msg, "--qmp-mode 777x: expected an octal mode such as 0660", "message");
	json_object_put(ov);

	/* The router. */
	struct vj_qmp_router rt = { 0 };
	json_object *c1 = J("{\"execute\": \"a\", \"id\": 1}"), *c2 = J("{\"execute\": \"b\", \"id\": 1}"),
		    *c3 = J("{\"execute\": \"c\"}");
	int owner1, owner2, owner3;
	struct vj_qmp_pending *p1 = vj_qmp_route_up(&rt, c1, &owner1, 0);
	struct vj_qmp_pending *p2 = vj_qmp_route_up(&rt, c2, &owner2, 0);
	vj_qmp_route_up(&rt, c3, &owner3, 0);
	ok(p1->upid != p2->upid, "clashing client ids get distinct upstream ids");
	char reply[64];
	snprintf(reply, sizeof(reply), "{\"return\": 2, \"id\": %llu}", (unsigned long long)p2->upid);
	json_object *rp = J(reply);
	struct vj_qmp_pending *got = vj_qmp_route_down(&rt, rp);
	ok(got && got->owner == &owner2 && !strcmp(vj_json_to_string(rp, false), "{\"return\":2,\"id\":1}"),
	   "a reply finds its owner and the client's id");
	vj_qmp_pending_free(got);
	json_object_put(rp);
	rp = J("{\"return\": 3, \"id\": 3}");
	got = vj_qmp_route_down(&rt, rp);
	ok(got && got->owner == &owner3 && !strcmp(vj_json_to_string(rp, false), "{\"return\":3}"),
	   "no id given -> none in the reply");
	vj_qmp_pending_free(got);
	json_object_put(rp);
	rp = J("{\"return\": 3, \"id\": 99}");
	ok(!vj_qmp_route_down(&rt, rp), "an unknown id is refused");
	json_object_put(rp);
	vj_qmp_router_forget(&rt, &owner1);
	ok(rt.head && rt.head->owner == NULL, "a departed owner's record stays, ownerless");
	vj_qmp_router_clear(&rt);
	json_object_put(c1);
	json_object_put(c2);
	json_object_put(c3);
	return done_testing();
}
