/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-accounts - user and group lookups (jailer/accounts.c), NSS in the
 * default build, /etc/passwd and /etc/group in a static one: both must
 * agree with the files for the accounts every Debian system has (root,
 * nobody/nogroup), and answer -ENOENT for names and ids nobody has.
 */
#include "tap.h"
#include "accounts.h"
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* The line of name in path (":"-separated), field 2 (the id) and 3. */
static bool from_file(const char *path, const char *name, uint32_t *id, uint32_t *gid)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	size_t n = strlen(name);
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		char *p = strchr(line + n + 1, ':'); /* past the password */
		if (!p)
			break;
		*id = (uint32_t)strtoul(p + 1, &p, 10);
		*gid = *p == ':' ? (uint32_t)strtoul(p + 1, NULL, 10) : 0;
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	plan_no_plan();
	diag("build: %s", VJ_STATIC ? "static (files)" : "default (NSS)");
	struct vj_account a;
	uint32_t id, gid;
	static const char *const users[] = { "root", "nobody" };
	for (size_t i = 0; i < 2; i++) {
		if (!from_file("/etc/passwd", users[i], &id, &gid)) {
			skip("no %s in /etc/passwd", users[i]);
			continue;
		}
		is_int(vj_user_by_name(users[i], &a), 0, "user %s found by name", users[i]);
		ok(a.id == id && a.gid == gid, "user %s: uid %u gid %u, as in /etc/passwd", users[i], a.id, a.gid);
		is_int(vj_user_by_id(id, &a), 0, "uid %u found", id);
		is_str(a.name, users[i], "uid %u is %s", id, users[i]);
	}
	static const char *const groups[] = { "root", "nogroup" };
	for (size_t i = 0; i < 2; i++) {
		if (!from_file("/etc/group", groups[i], &id, &gid)) {
			skip("no %s in /etc/group", groups[i]);
			continue;
		}
		is_int(vj_group_by_name(groups[i], &a), 0, "group %s found by name", groups[i]);
		is_int(a.id, id, "group %s: gid as in /etc/group", groups[i]);
		is_int(vj_group_by_id(id, &a), 0, "gid %u found", id);
		is_str(a.name, groups[i], "gid %u is %s", id, groups[i]);
	}
	is_int(vj_user_by_name("vmjail-no-such-user", &a), -ENOENT, "an unknown user: -ENOENT");
	is_int(vj_group_by_name("vmjail-no-such-group", &a), -ENOENT, "an unknown group: -ENOENT");
	is_int(vj_user_by_id(4000000123u, &a), -ENOENT, "an unknown uid: -ENOENT");
	is_int(vj_group_by_id(4000000123u, &a), -ENOENT, "an unknown gid: -ENOENT");
	return done_testing();
}
