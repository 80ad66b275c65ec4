/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ns.c - namespaces.
 *
 * Theory of operation: the child is cloned into every namespace at once
 * (user first, implicitly: the kernel creates it before the others, which
 * it then owns, so the child holds full capabilities over all of them and
 * none over the host). The parent, still on the host, writes the child's
 * id maps: setgroups is denied (an unprivileged map requires it, and a
 * jailed process must not be able to drop a group that denies it access),
 * then exactly one uid and one gid are mapped - the jail's ids to the
 * caller's. Inside, the child names its host and raises lo, the only
 * interface of a fresh network namespace.
 *
 * The network namespace ahead of time. Creating one is the dearest part
 * of the clone (the kernel runs every protocol's per-namespace setup:
 * about 0.8 ms here, most of the clone), and the clone waits for the
 * supervisor's registry, cgroup, LSM and filter work. When the caller is
 * root and no user namespace is made, a thread of the supervisor makes
 * the namespace meanwhile: unshare(CLONE_NEWNET) changes only the calling
 * thread's namespaces, so the rest of the supervisor stays on the host;
 * the thread raises lo, opens the namespace, posts its fd, and ends (the
 * supervisor reaps the thread only before it drops its capabilities, in
 * vj_supervise). Neither waits for the other before the clone: the child
 * is cloned without CLONE_NEWNET, builds its root while the thread
 * finishes, and gets the namespace's fd with GO, which the supervisor
 * sends once the thread has posted. It joins it with setns() as its last
 * jail step - the same kind of namespace, owned by the same (initial)
 * user namespace, that clone would have made; nothing it did before
 * depends on the network namespace. Where the thread made none, the
 * child makes its own then (unshare, lo up).
 *
 * With a user namespace the network namespace must be owned by it, so the
 * supervisor cannot make it ahead (a threaded process cannot enter or make
 * a user namespace). The child makes it the same way instead: cloned
 * without CLONE_NEWNET, it starts the same thread first thing - inside its
 * user namespace, whose every capability it holds - and the namespace is
 * made while the supervisor writes the id maps and sends GO and while the
 * child builds its root; the child joins it and reaps the thread before it
 * forks PROGRAM. Made by the clone, it would come before all of that, on
 * the launch's critical path.
 */
#include "ns.h"
#include "compat.h"

#include <fcntl.h>
#include <pthread.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

unsigned long vj_ns_clone_flags(const struct vj_plan *plan)
{
	unsigned long f = CLONE_NEWNS;
	if (plan->ns[VJ_NS_USER])
		f |= CLONE_NEWUSER;
	if (plan->ns[VJ_NS_PID] && !plan->exec_inplace)
		f |= CLONE_NEWPID;
	if (plan->ns[VJ_NS_NET] && plan->net == VJ_NET_NONE)
		f |= CLONE_NEWNET;
	if (plan->ns[VJ_NS_IPC])
		f |= CLONE_NEWIPC;
	if (plan->ns[VJ_NS_UTS])
		f |= CLONE_NEWUTS;
	/* The cgroup namespace is entered later, once the child sits in its
	 * own cgroup, so that cgroup becomes the namespace's root. */
	return f;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct vj_error *err)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	int r = vj_write_file_at(AT_FDCWD, path, text);
	if (r < 0)
		return vj_error_set(err, r, "write %s", path);
	return 0;
}

int vj_ns_write_id_maps(pid_t pid, const struct vj_plan *plan, uid_t outer_uid, gid_t outer_gid,
			struct vj_error *err)
{
	char map[64];
	int r = write_proc(pid, "setgroups", "deny", err);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)plan->uid, (unsigned)outer_uid);
	r = write_proc(pid, "uid_map", map, err);
	if (r == -EPERM && outer_uid == 0)
		return vj_error_prefix(err, "mapping uid 0 needs CAP_SETFCAP (Linux 5.12+): run as a non-root user, "
					    "or grant CAP_SETFCAP");
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)plan->gid, (unsigned)outer_gid);
	return write_proc(pid, "gid_map", map, err);
}

int vj_ns_setup_uts(const struct vj_plan *plan, struct vj_error *err)
{
	if (!plan->ns[VJ_NS_UTS] || !plan->hostname)
		return 0;
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		return vj_error_set(err, errno, "sethostname %s", plan->hostname);
	return 0;
}

int vj_ns_loopback_up(struct vj_error *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return vj_error_set(err, errno, "socket");
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return vj_error_set(err, errno, "lo: SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return vj_error_set(err, errno, "lo: bring up");
	return 0;
}

static void *ahead_main(void *arg)
{
	struct vj_ns_ahead *a = arg;
	struct vj_error err = { 0 };
	/* Any failure leaves fd at -1: the child makes its own namespace. */
	int fd = -1;
	if (!vj_compat_disabled(VJ_NETNS_THREAD) && unshare(CLONE_NEWNET) == 0)
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && vj_ns_loopback_up(&err) < 0) {
		close(fd);
		fd = -1;
	}
	a->fd = fd;
	/* The supervisor goes on from here, not from the thread's exit: a
	 * thread's exit and the joiner's wakeup cost it half a millisecond. */
	sem_post(&a->done);
	return NULL;
}

/* A fresh network namespace that a thread may make: supervised (in place
 * there is no clone to leave CLONE_NEWNET out of), and not turned off. */
static bool ahead_possible(const struct vj_plan *plan)
{
	return !plan->exec_inplace && plan->ns[VJ_NS_NET] && plan->net == VJ_NET_NONE &&
	       !vj_compat_disabled(VJ_NETNS_AHEAD);
}

void vj_ns_ahead_begin(struct vj_ns_ahead *a)
{
	a->running = a->taken = false;
	a->fd = -1;
	if (sem_init(&a->done, 0, 0) < 0)
		return;
	/* Signals are blocked by now: the thread inherits that, so none is
	 * delivered to it instead of waiting for the signalfd. */
	a->running = pthread_create(&a->thread, NULL, ahead_main, a) == 0;
	if (!a->running)
		sem_destroy(&a->done);
}

void vj_ns_ahead_start(struct vj_ns_ahead *a, const struct vj_plan *plan)
{
	if (ahead_possible(plan) && !plan->ns[VJ_NS_USER])
		vj_ns_ahead_begin(a);
}

bool vj_ns_ahead_in_child(const struct vj_plan *plan)
{
	return ahead_possible(plan) && plan->ns[VJ_NS_USER];
}

bool vj_ns_ahead_pending(const struct vj_ns_ahead *a)
{
	return a->running && !a->taken;
}

int vj_ns_join_ahead(int fd, struct vj_error *err)
{
	if (fd >= 0) {
		if (setns(fd, CLONE_NEWNET) < 0)
			return vj_error_set(err, errno, "join the network namespace made ahead");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0)
		return vj_error_set(err, errno, "unshare(CLONE_NEWNET)");
	return vj_ns_loopback_up(err);
}

int vj_ns_ahead_take(struct vj_ns_ahead *a)
{
	if (a->running && !a->taken) {
		while (sem_wait(&a->done) < 0 && errno == EINTR)
			;
		a->taken = true;
	}
	int fd = a->fd;
	a->fd = -1;
	return fd;
}

void vj_ns_ahead_join(struct vj_ns_ahead *a)
{
	int fd = vj_ns_ahead_take(a);
	if (fd >= 0)
		close(fd);
	if (a->running) {
		pthread_join(a->thread, NULL);
		sem_destroy(&a->done);
		a->running = false;
	}
}
