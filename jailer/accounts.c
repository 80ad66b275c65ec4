/* SPDX-License-Identifier: GPL-2.0-or-later */
/* accounts.c - see accounts.h. */
#include "accounts.h"
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void fill(struct vj_account *out, uint32_t id, uint32_t gid, const char *name)
{
	out->id = id;
	out->gid = gid;
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
}

#if VJ_STATIC

/* One pass over the file; name NULL matches by id. */
static int scan_users(const char *name, uint32_t uid, struct vj_account *out)
{
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	struct passwd *pw;
	int r = -ENOENT;
	while ((pw = fgetpwent(f)))
		if (name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid) {
			fill(out, pw->pw_uid, pw->pw_gid, pw->pw_name);
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

static int scan_groups(const char *name, uint32_t gid, struct vj_account *out)
{
	FILE *f = fopen("/etc/group", "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	struct group *gr;
	int r = -ENOENT;
	while ((gr = fgetgrent(f)))
		if (name ? strcmp(gr->gr_name, name) == 0 : gr->gr_gid == gid) {
			fill(out, gr->gr_gid, gr->gr_gid, gr->gr_name);
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

int vj_user_by_name(const char *name, struct vj_account *out) { return scan_users(name, 0, out); }
int vj_user_by_id(uint32_t uid, struct vj_account *out) { return scan_users(NULL, uid, out); }
int vj_group_by_name(const char *name, struct vj_account *out) { return scan_groups(name, 0, out); }
int vj_group_by_id(uint32_t gid, struct vj_account *out) { return scan_groups(NULL, gid, out); }

#else

static int user_result(struct passwd *pw, struct vj_account *out)
{
	if (!pw)
		return errno && errno != ENOENT ? -errno : -ENOENT;
	fill(out, pw->pw_uid, pw->pw_gid, pw->pw_name);
	return 0;
}

static int group_result(struct group *gr, struct vj_account *out)
{
	if (!gr)
		return errno && errno != ENOENT ? -errno : -ENOENT;
	fill(out, gr->gr_gid, gr->gr_gid, gr->gr_name);
	return 0;
}

int vj_user_by_name(const char *name, struct vj_account *out)
{
	errno = 0;
	return user_result(getpwnam(name), out);
}

int vj_user_by_id(uint32_t uid, struct vj_account *out)
{
	errno = 0;
	return user_result(getpwuid(uid), out);
}

int vj_group_by_name(const char *name, struct vj_account *out)
{
	errno = 0;
	return group_result(getgrnam(name), out);
}

int vj_group_by_id(uint32_t gid, struct vj_account *out)
{
	errno = 0;
	return group_result(getgrgid(gid), out);
}

#endif
