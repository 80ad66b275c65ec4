/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.c - the jails' registry without a daemon: the state root, one
 * directory per jail, its lock, its state.json, its log.
 *
 * Theory of operation. Every operation works on directory fds (openat,
 * mkdirat, renameat, unlinkat, O_NOFOLLOW), so nothing planted in the root
 * can redirect a path; the root itself must be ours and not writable by
 * anyone else, and ids are checked ([A-Za-z0-9_.-], 1..64, no leading '.'
 * or '-') before they name anything.
 *
 * A jail is live while its supervisor holds flock(LOCK_EX) on ROOT/ID/lock
 * (the fd is close-on-exec and dies with the supervisor, so a crash frees
 * the lock by itself). Acquire, in a loop:
 *  1. mkdirat(ROOT, ID) (EEXIST is fine), open it O_NOFOLLOW, open or
 *     create its lock file;
 *  2. flock(LOCK_EX|LOCK_NB). When it is held, the lock file names the
 *     holder ("PID STARTTIME"): a live process with that start time is the
 *     jail's supervisor -> "jail ID is running (pid N)". Any other holder
 *     is transient (a gc, a list probe, a supervisor removing its dir, an
 *     acquirer that has not written its name yet): poll again, up to 10 s;
 *  3. with the lock, check that the directory and the lock file are still
 *     the ones linked under their names (a release or gc may have removed
 *     them between 1 and 2): if not, start over. From here on no one else
 *     can hold this lock, and no one removes a directory without it;
 *  4. write our "PID STARTTIME" into the lock file;
 *  5. anything else in the directory is a dead jail's: remove the
 *     leftovers its state.json records (sockets, cgroups) and its files,
 *     reporting each removal;
 *  6. write state.json (status "starting"), open the log.
 * Release reverses it: empty the lock file (waiters now see a transient
 * holder and keep polling), unlink state.json and the rest, unlink the
 * lock, rmdir (ENOTEMPTY: a new acquire already owns the name), close.
 * Exactly one of N racing acquirers wins: only one can hold the lock of
 * the directory linked under ID, and step 3 rejects stale inodes.
 *
 * state.json is rewritten whole (a tmp file swapped in with
 * RENAME_EXCHANGE, plain renameat the first time or where the filesystem
 * cannot exchange) at acquire, started and exited, so a reader sees the
 * old or the new version, never a torn one.
 * It is not fsync'd: it describes live processes, which a crash or power
 * loss ends anyway, and whatever is left then (even an empty file) is a
 * stale directory gc removes - while an fsync costs every launch a disk
 * flush where /run is not a tmpfs. summary.json, the few fields `vmjail
 * list` shows, so that listing hundreds of jails parses little, exists
 * only while the jail runs (written at started, removed at exited): list
 * reads state.json when it is absent, so a starting or ending jail shows
 * its true status. Each file written is an inode made and, at release,
 * destroyed - on a disk filesystem the largest cost of the registry - so
 * a launch writes four, not six.
 *
 * Call order for the runtime (launch.c, supervise.c), in the supervisor:
 *   vj_state_acquire()  first, before the cgroup, sockets or anything named
 *                       after the id exist (the lock makes the id ours);
 *   vj_state_log_fd()   -> vj_log_set_file();
 *   vj_state_started()  with the info-fd start record, once PROGRAM runs;
 *   vj_state_exited()   with the exit record;
 *   vj_state_release()  last, after the cgroup and sockets are gone.
 * Not for --exec (no supervisor holds the lock).
 */
#include "state.h"
#include "state_int.h"
#include "compat.h"
#include "jsonw.h"
#include "plan.h"
#include "qmp.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

struct vj_state {
	char *root;
	char *id;
	char *dir;
	int root_fd, dir_fd, lock_fd, log_fd;
	json_object *doc;
};

/* ---- small helpers ------------------------------------------------------ */

void vj_state_nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int vj_state_id_check(const char *id, struct vj_error *err)
{
	if (!id || !*id)
		return vj_error_setx(err, EINVAL, "jail id \"\": must not be empty");
	size_t n = strnlen(id, VJ_STATE_ID_MAX + 1);
	/* Quote at most 40 characters, printable only. */
	char shown[48];
	size_t k = 0;
	for (; id[k] && k < 40; k++)
		shown[k] = isprint((unsigned char)id[k]) ? id[k] : '?';
	shown[k] = '\0';
	const char *more = id[k] ? "..." : "";
	if (n > VJ_STATE_ID_MAX)
		return vj_error_setx(err, EINVAL, "jail id \"%s%s\": longer than %d characters", shown, more,
				     VJ_STATE_ID_MAX);
	if (id[0] == '.' || id[0] == '-')
		return vj_error_setx(err, EINVAL, "jail id \"%s%s\": must not start with '%c'", shown, more, id[0]);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (!(isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '-')))
			return vj_error_setx(err, EINVAL,
					     "jail id \"%s%s\": only letters, digits, '_', '.' and '-' are allowed%s",
					     shown, more, c == '/' ? " (no '/': an id is not a path)" : "");
	}
	return 0;
}

char *vj_state_root(const char *override)
{
	if (override && *override)
		return strdup(override);
	const char *env = getenv("VMJAIL_STATE_DIR");
	if (env && *env)
		return strdup(env);
	if (geteuid() == 0)
		return strdup("/run/vmjail");
	/* $XDG_RUNTIME_DIR only when it is a directory of ours: a caller
	 * that switched uids (setpriv, su without a login) may still carry
	 * another user's. */
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *s = NULL;
	struct stat st;
	if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid()) {
		if (asprintf(&s, "%s/vmjail", xdg) < 0)
			return NULL;
	} else if (asprintf(&s, "/tmp/vmjail-%u", (unsigned)geteuid()) < 0) {
		return NULL;
	}
	return s;
}

int vj_state_root_open(const char *root, bool create, struct vj_error *err)
{
	if (!root || !*root)
		return vj_error_setx(err, EINVAL, "state directory: empty path");
	if (create && mkdir(root, 0700) < 0 && errno != EEXIST)
		return vj_error_set(err, errno, "state directory %s", root);
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && !create)
			return -ENOENT;
		if (e == ELOOP || e == ENOTDIR)
			return vj_error_setx(err, e, "state directory %s: not a directory (a symlink?): refusing to use it",
					     root);
		return vj_error_set(err, e, "state directory %s", root);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return vj_error_set(err, errno, "state directory %s", root);
	if (st.st_uid != geteuid())
		return vj_error_setx(err, EPERM, "state directory %s: owned by uid %u, not by uid %u: refusing to use it",
				     root, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return vj_error_setx(err, EPERM,
				     "state directory %s: writable by group or others (mode %04o): refusing to use it",
				     root, (unsigned)(st.st_mode & 07777));
	return TAKE_FD(fd);
}

int vj_state_write_atomic(int dirfd, const char *name, const char *data, size_t len, struct vj_error *err)
{
	char tmp[256];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return vj_error_setx(err, ENAMETOOLONG, "%s: name too long", name);
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vj_error_set(err, errno, "%s", tmp);
	int r = vj_write_all(fd, data, len);
	if (r < 0)
		return vj_error_set(err, r, "write %s", tmp);
	/* Swapped in, not renamed over: ext4 (auto_da_alloc) starts writeback
	 * of a file that replaces another by rename, which costs a launch more
	 * than the rest of the registry together where /run is not a tmpfs.
	 * The old version, now under the tmp name, goes after. */
	if (vj_renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0) {
		unlinkat(dirfd, tmp, 0);
		return 0;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) { /* a first version, or no exchange here */
		r = -errno;
		unlinkat(dirfd, tmp, 0);
		return vj_error_set(err, r, "rename %s", tmp);
	}
	return 0;
}

int vj_state_read_at(int dirfd, const char *name, size_t max, char **out)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	size_t cap = (size_t)st.st_size + 1;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = vj_read_full(fd, buf, cap);
	if (n < 0)
		return (int)n;
	if ((size_t)n == cap)
		return -EFBIG; /* grew while read: a writer does not rename */
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

static uint64_t proc_starttime(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = vj_read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* Fields after the command: state is field 3 (a zombie is gone),
	 * starttime field 22. */
	p += strspn(p, " ");
	if (p[0] == 'Z' || p[0] == 'X')
		return 0;
	for (int field = 3; field < 22; field++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	uint64_t v = strtoull(p, NULL, 10);
	return v ? v : 1;
}

uint64_t vj_state_proc_starttime(pid_t pid)
{
	/* Our own start time never changes: read once per process. */
	static pid_t self;
	static uint64_t self_start;
	if (pid > 0 && pid == getpid()) {
		if (self != pid || !self_start) {
			self_start = proc_starttime(pid);
			self = pid;
		}
		return self_start;
	}
	return proc_starttime(pid);
}

bool vj_state_pid_is(pid_t pid, uint64_t starttime)
{
	uint64_t now = vj_state_proc_starttime(pid);
	if (!now)
		return false;
	return starttime == 0 || now == starttime;
}

/* ---- the lock ------------------------------------------------------------ */

/* The holder named in a lock file, if that process is alive. */
static pid_t lock_holder(int lfd)
{
	char buf[64];
	ssize_t n = pread(lfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	long long pid = 0;
	unsigned long long start = 0;
	if (sscanf(buf, "%lld %llu", &pid, &start) != 2 || pid <= 0 || !start)
		return 0;
	return vj_state_pid_is((pid_t)pid, start) ? (pid_t)pid : 0;
}

static bool same_inode(int dirfd, const char *name, int fd)
{
	struct stat a, b;
	if (fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) < 0 || fstat(fd, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- state.json ---------------------------------------------------------- */

static void add_time(json_object *o, const char *key, const struct timespec *ts)
{
	struct tm tm;
	char buf[64], key_epoch[64];
	gmtime_r(&ts->tv_sec, &tm);
	/* Not strftime: it loads the time zone (/etc/localtime), which UTC
	 * does not need. */
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
	vj_json_add_string(o, key, buf);
	snprintf(key_epoch, sizeof(key_epoch), "%s_epoch", key);
	vj_json_add_double(o, key_epoch, (double)ts->tv_sec + (double)ts->tv_nsec / 1e9);
}

/* What list needs of state.json, in the same shape: a few hundred bytes
 * to parse per jail instead of the whole record. */
static json_object *summary_of(json_object *doc)
{
	static const char *const keys[] = { "version", "id", "status", "profile", "pid", "supervisor_pid",
					    "supervisor_starttime", "started_at", "started_at_epoch" };
	json_object *o = json_object_new_object(), *v, *sub;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_object_object_get_ex(doc, keys[i], &v))
			vj_json_add(o, keys[i], json_object_get(v));
	if (json_object_object_get_ex(doc, "cgroup", &sub) && json_object_is_type(sub, json_type_object)) {
		json_object *cg = json_object_new_object();
		if (json_object_object_get_ex(sub, "v2", &v))
			vj_json_add(cg, "v2", json_object_get(v));
		if (json_object_object_get_ex(sub, "memory", &v))
			vj_json_add(cg, "memory", json_object_get(v));
		vj_json_add(o, "cgroup", cg);
	}
	if (json_object_object_get_ex(doc, "qmp", &sub) && json_object_object_get_ex(sub, "sockets", &v) &&
	    json_object_is_type(v, json_type_array)) {
		json_object *q = json_object_new_object(), *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i), *p;
			if (json_object_object_get_ex(e, "path", &p)) {
				json_object *so = json_object_new_object();
				vj_json_add(so, "path", json_object_get(p));
				json_object_array_add(a, so);
			}
		}
		vj_json_add(q, "sockets", a);
		vj_json_add(o, "qmp", q);
	}
	return o;
}

static int write_json(struct vj_state *st, const char *name, json_object *o, bool pretty, struct vj_error *err)
{
	const char *s = vj_json_to_string(o, pretty);
	if (!s)
		return vj_error_setx(err, ENOMEM, "%s", name);
	_cleanup_free_ char *text = vj_xasprintf("%s\n", s);
	return vj_state_write_atomic(st->dir_fd, name, text, strlen(text), err);
}

/* state.json, then (with_summary) its summary; without, the summary is
 * removed, so that list reads state.json instead of an outdated summary.
 * A reader of either sees a whole file. */
static int save(struct vj_state *st, bool with_summary, struct vj_error *err)
{
	int r = write_json(st, VJ_STATE_FILE, st->doc, true, err);
	if (r < 0)
		return r;
	if (!with_summary) {
		unlinkat(st->dir_fd, VJ_STATE_SUMMARY, 0);
		return 0;
	}
	_cleanup_json_ json_object *sum = summary_of(st->doc);
	return write_json(st, VJ_STATE_SUMMARY, sum, false, err);
}

/* Copy rec's keys into doc (minus "event"), '-' in names becoming '_'. */
static void merge_record(json_object *doc, json_object *rec, const char *skip_prefix)
{
	if (!rec || !json_object_is_type(rec, json_type_object))
		return;
	json_object_object_foreach(rec, key, val)
	{
		if (vj_streq(key, "event") || vj_streq(key, "id") || !key[0])
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s", key);
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (skip_prefix && vj_streq(name, skip_prefix))
			continue;
		vj_json_add(doc, name, json_object_get(val));
	}
}

static json_object *initial_doc(const struct vj_plan *plan)
{
	json_object *o = json_object_new_object();
	vj_json_add_int(o, "version", 1);
	vj_json_add_string(o, "id", plan->id);
	vj_json_add_string(o, "status", "starting");
	vj_json_add_string(o, "profile", plan->profile_name);
	vj_json_add_strv(o, "profile_files", plan->profile_files);
	vj_json_add_strv(o, "argv", plan->argv);
	vj_json_add_int(o, "supervisor_pid", getpid());
	vj_json_add_uint(o, "supervisor_starttime", vj_state_proc_starttime(getpid()));
	vj_json_add(o, "pid", NULL);
	vj_json_add(o, "init_pid", NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	add_time(o, "started_at", &ts);
	/* The layers the plan asks for; "started" adds what was applied
	 * (cgroup paths, seccomp program, LSM label, QMP sockets). */
	json_object *layers = json_object_new_object();
	json_object *ns = json_object_new_array();
	for (int i = 0; i < VJ_NS__COUNT; i++)
		if (plan->ns[i])
			json_object_array_add(ns, json_object_new_string(vj_ns_name((enum vj_ns)i)));
	vj_json_add(layers, "namespaces", ns);
	vj_json_add_bool(layers, "seccomp", plan->seccomp.policy_file != NULL);
	vj_json_add_bool(layers, "qmp", plan->qmp.enabled);
	vj_json_add_bool(layers, "exec_inplace", plan->exec_inplace);
	vj_json_add(o, "layers", layers);
	/* The QMP sockets the proxy will create, recorded before they exist
	 * so a crash before "started" still lets gc find them. */
	if (plan->qmp.enabled) {
		json_object *q = vj_qmp_plan_to_json(&plan->qmp);
		json_object *socks = NULL;
		if (q && json_object_object_get_ex(q, "sockets", &socks)) {
			json_object *qq = json_object_new_object();
			vj_json_add(qq, "sockets", json_object_get(socks));
			vj_json_add(o, "qmp", qq);
		}
		if (q)
			json_object_put(q);
	}
	return o;
}

/* ---- acquire / release --------------------------------------------------- */

static void state_free(struct vj_state *st)
{
	if (!st)
		return;
	int fds[] = { st->log_fd, st->lock_fd, st->dir_fd, st->root_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (st->doc)
		json_object_put(st->doc);
	free(st->root);
	free(st->id);
	free(st->dir);
	free(st);
}

static int open_jail_dir(struct vj_state *st, struct vj_error *err)
{
	if (mkdirat(st->root_fd, st->id, 0700) < 0 && errno != EEXIST)
		return vj_error_set(err, errno, "%s", st->dir);
	int dfd = openat(st->root_fd, st->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return -EAGAIN; /* removed meanwhile */
		if (errno == ELOOP || errno == ENOTDIR)
			return vj_error_setx(err, ENOTDIR, "%s: not a directory: refusing to use it", st->dir);
		return vj_error_set(err, errno, "%s", st->dir);
	}
	struct stat s;
	if (fstat(dfd, &s) < 0 || s.st_uid != geteuid()) {
		close(dfd);
		return vj_error_setx(err, EPERM, "%s: not owned by uid %u: refusing to use it", st->dir,
				     (unsigned)geteuid());
	}
	st->dir_fd = dfd;
	return 0;
}

static int lock_jail_dir(struct vj_state *st, struct vj_error *err)
{
	int lfd = openat(st->dir_fd, VJ_STATE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0) {
		if (errno == ENOENT)
			return -EAGAIN; /* the directory was removed */
		return vj_error_set(err, errno, "%s/%s", st->dir, VJ_STATE_LOCK);
	}
	st->lock_fd = lfd;
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return vj_error_set(err, errno, "lock %s/%s", st->dir, VJ_STATE_LOCK);
		pid_t holder = lock_holder(lfd);
		if (holder > 0)
			return vj_error_setx(err, EBUSY, "jail %s is running (pid %d)", st->id, (int)holder);
		return -EWOULDBLOCK;
	}
	if (!same_inode(st->root_fd, st->id, st->dir_fd) || !same_inode(st->dir_fd, VJ_STATE_LOCK, lfd))
		return -EAGAIN;
	return 0;
}

static void drop_fds(struct vj_state *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	st->lock_fd = st->dir_fd = -1;
}

int vj_state_acquire(const struct vj_plan *plan, const char *root_override, struct vj_state **out,
		     char ***notices, struct vj_error *err)
{
	int r = vj_state_id_check(plan->id, err);
	if (r < 0)
		return r;
	struct vj_state *st = calloc(1, sizeof(*st));
	if (!st)
		return vj_error_set(err, ENOMEM, "state");
	st->root_fd = st->dir_fd = st->lock_fd = st->log_fd = -1;
	st->root = vj_state_root(root_override);
	st->id = strdup(plan->id);
	if (!st->root || !st->id || asprintf(&st->dir, "%s/%s", st->root, st->id) < 0) {
		st->dir = NULL;
		state_free(st);
		return vj_error_set(err, ENOMEM, "state");
	}
	r = vj_state_root_open(st->root, true, err);
	if (r < 0) {
		state_free(st);
		return r;
	}
	st->root_fd = r;

	int64_t deadline = vj_now_ms() + 10000;
	for (;;) {
		r = open_jail_dir(st, err);
		if (r == 0)
			r = lock_jail_dir(st, err);
		if (r == 0)
			break;
		drop_fds(st);
		if (r != -EAGAIN && r != -EWOULDBLOCK) {
			state_free(st);
			return r;
		}
		/* Both retries end at the deadline: a directory that keeps
		 * being replaced under us is as busy as a held lock. */
		if (vj_now_ms() > deadline) {
			state_free(st);
			return vj_error_setx(err, EBUSY, "jail %s: its lock (%s/%s) is held by another process",
					     plan->id, st->dir, VJ_STATE_LOCK);
		}
		if (r == -EWOULDBLOCK)
			vj_state_nap_ms(2);
	}

	/* Step 4: name ourselves as the holder. */
	char me[64];
	int n = snprintf(me, sizeof(me), "%d %llu\n", (int)getpid(),
			 (unsigned long long)vj_state_proc_starttime(getpid()));
	if (ftruncate(st->lock_fd, 0) < 0 || pwrite(st->lock_fd, me, (size_t)n, 0) != n) {
		r = vj_error_set(err, errno, "%s/%s", st->dir, VJ_STATE_LOCK);
		state_free(st);
		return r;
	}

	/* Step 5: a dead jail's leftovers. */
	_cleanup_free_ char *old = NULL;
	if (vj_state_read_at(st->dir_fd, VJ_STATE_FILE, VJ_STATE_MAX_JSON, &old) == 0) {
		json_object *doc = json_tokener_parse(old);
		size_t k = notices ? vj_strv_len(*notices) : 0;
		vj_state_clean_leftovers(doc, notices);
		if (notices) {
			_cleanup_free_ char *line = vj_xasprintf("removed the state of an earlier run of jail %s%s", plan->id,
								 vj_strv_len(*notices) > k ? " (see above)" : "");
			vj_strv_push(notices, line);
		}
		if (doc)
			json_object_put(doc);
	}
	vj_state_clear_dir(st->dir_fd);

	/* Step 6. */
	st->doc = initial_doc(plan);
	r = save(st, false, err);
	if (r < 0) {
		vj_error_prefix(err, "state");
		vj_state_release(st);
		return r;
	}
	st->log_fd = openat(st->dir_fd, VJ_STATE_LOG, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	*out = st;
	return 0;
}

const char *vj_state_dir(const struct vj_state *st)
{
	return st ? st->dir : NULL;
}

int vj_state_root_fd(const struct vj_state *st)
{
	return st ? st->root_fd : -1;
}

int vj_state_dir_fd(const struct vj_state *st)
{
	return st ? st->dir_fd : -1;
}

int vj_state_log_fd(const struct vj_state *st)
{
	return st ? st->log_fd : -1;
}

/* One line of the per-jail log: {"time", "level", "jail", "event",
 * "record"}, the shape log.c gives its own lines. */
static void log_record(struct vj_state *st, const char *event, json_object *rec)
{
	if (st->log_fd < 0)
		return;
	_cleanup_json_ json_object *o = json_object_new_object();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	vj_json_add_double(o, "time", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	vj_json_add_string(o, "level", "info");
	vj_json_add_string(o, "jail", st->id);
	vj_json_add_string(o, "event", event);
	if (rec)
		vj_json_add(o, "record", json_object_get(rec));
	vj_json_write_line(st->log_fd, o);
}

void vj_state_started(struct vj_state *st, json_object *rec)
{
	struct vj_error err = { 0 };
	if (!st || !st->doc)
		return;
	merge_record(st->doc, rec, "supervisor_pid");
	json_object *layers, *v;
	if (json_object_object_get_ex(st->doc, "layers", &layers)) {
		static const char *const keys[] = { "cgroup", "seccomp", "lsm", "qmp" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (rec && json_object_object_get_ex(rec, keys[i], &v) && v)
				vj_json_add_bool(layers, keys[i], true);
	}
	vj_json_add_string(st->doc, "status", "running");
	save(st, true, &err);
	log_record(st, "started", rec);
}

void vj_state_exited(struct vj_state *st, json_object *rec)
{
	struct vj_error err = { 0 };
	if (!st || !st->doc)
		return;
	json_object *ex = json_object_new_object();
	merge_record(ex, rec, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	add_time(ex, "exited_at", &ts);
	vj_json_add(st->doc, "exit", ex);
	vj_json_add_string(st->doc, "status", "exited");
	save(st, false, &err);
	log_record(st, "exited", rec);
}

void vj_state_release(struct vj_state *st)
{
	if (!st)
		return;
	if (st->lock_fd >= 0 && st->dir_fd >= 0) {
		/* Waiters polling the lock now see a transient holder. */
		if (ftruncate(st->lock_fd, 0) < 0) {
			/* nothing better to do: the removal below still runs */
		}
		unlinkat(st->dir_fd, VJ_STATE_FILE, 0);
		vj_state_clear_dir(st->dir_fd);
		if (same_inode(st->dir_fd, VJ_STATE_LOCK, st->lock_fd))
			unlinkat(st->dir_fd, VJ_STATE_LOCK, 0);
		if (same_inode(st->root_fd, st->id, st->dir_fd))
			unlinkat(st->root_fd, st->id, AT_REMOVEDIR); /* ENOTEMPTY: a new owner */
	}
	state_free(st);
}

char *vj_state_qmp_socket(const char *root_override, const char *id)
{
	struct vj_error err = { 0 };
	if (vj_state_id_check(id, &err) < 0)
		return NULL;
	_cleanup_free_ char *root = vj_state_root(root_override);
	if (!root)
		return NULL;
	_cleanup_close_ int rfd = vj_state_root_open(root, false, &err);
	if (rfd < 0)
		return NULL;
	struct vj_state_info info;
	if (vj_state_info_load(rfd, id, &info, &err) < 0)
		return NULL;
	char *s = info.qmp_socket && info.live == VJ_STATE_LIVE ? strdup(info.qmp_socket) : NULL;
	vj_state_info_free(&info);
	return s;
}
