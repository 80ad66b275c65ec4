/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "paths.h"
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *kind_dir(enum vj_data_kind kind)
{
	return kind == VJ_DATA_PROFILES ? "profiles" : "policy";
}

static const char *kind_env(enum vj_data_kind kind)
{
	return kind == VJ_DATA_PROFILES ? "VMJAIL_PROFILE_PATH" : "VMJAIL_POLICY_PATH";
}

bool vj_running_uninstalled(void)
{
	static int cached = -1;
	if (cached < 0) {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		cached = 0;
		if (n > 0) {
			exe[n] = '\0';
			size_t bl = strlen(VJ_BUILD_ROOT);
			cached = strncmp(exe, VJ_BUILD_ROOT, bl) == 0 && exe[bl] == '/';
		}
	}
	return cached;
}

char **vj_data_dirs(enum vj_data_kind kind)
{
	char **dirs = NULL;
	const char *env = secure_getenv(kind_env(kind));
	if (env && *env) {
		_cleanup_free_ char *copy = vj_xstrdup(env);
		char *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			if (*d && vj_strv_push(&dirs, d) < 0)
				abort();
	}
	_cleanup_free_ char *etc = vj_xasprintf("%s/vmjail/%s", VJ_SYSCONFDIR, kind_dir(kind));
	_cleanup_free_ char *data = vj_xasprintf("%s/vmjail/%s", VJ_DATADIR, kind_dir(kind));
	if (vj_strv_push(&dirs, etc) < 0 || vj_strv_push(&dirs, data) < 0)
		abort();
	if (vj_running_uninstalled()) {
		_cleanup_free_ char *src = vj_xasprintf("%s/%s", VJ_SOURCE_ROOT, kind_dir(kind));
		if (vj_strv_push(&dirs, src) < 0)
			abort();
	}
	return dirs;
}

static int make_absolute(const char *base, const char *p, char **out)
{
	if (p[0] == '/') {
		*out = vj_xstrdup(p);
		return 0;
	}
	if (base) {
		*out = vj_xasprintf("%s/%s", base, p);
		return 0;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	*out = vj_xasprintf("%s/%s", cwd, p);
	return 0;
}

int vj_find_data_file(enum vj_data_kind kind, const char *name, const char *relative_to,
		      char **out, struct vj_error *err)
{
	const char *what = kind == VJ_DATA_PROFILES ? "profile" : "policy";
	if (!name || !*name)
		return vj_error_setx(err, EINVAL, "empty %s name", what);
	if (strchr(name, '/')) {
		_cleanup_free_ char *abs = NULL;
		int r = make_absolute(relative_to, name, &abs);
		if (r < 0)
			return vj_error_set(err, r, "%s", name);
		struct stat st;
		if (stat(abs, &st) < 0)
			return vj_error_set(err, errno, "%s %s", what, name);
		if (!S_ISREG(st.st_mode))
			return vj_error_setx(err, EINVAL, "%s %s: not a regular file", what, name);
		/* Canonical form, so "extends" cycles are found however spelled. */
		char *real = realpath(abs, NULL);
		if (!real)
			return vj_error_set(err, errno, "%s %s", what, name);
		*out = real;
		return 0;
	}
	for (const char *c = name; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) || name[0] == '.')
			return vj_error_setx(err, EINVAL, "%s name \"%s\": only letters, digits, '.', '-', '_' allowed",
					     what, name);
	_cleanup_strv_ char **dirs = vj_data_dirs(kind);
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *p = vj_xasprintf("%s/%s.json", dirs[i], name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			char *real = realpath(p, NULL);
			if (!real)
				return vj_error_set(err, errno, "%s", p);
			*out = real;
			return 0;
		}
	}
	char searched[1024];
	size_t off = 0;
	for (size_t i = 0; dirs[i] && off < sizeof(searched); i++)
		off += (size_t)snprintf(searched + off, sizeof(searched) - off, "%s%s", i ? ":" : "", dirs[i]);
	return vj_error_setx(err, ENOENT, "%s \"%s\" not found (searched %s)", what, name, searched);
}
