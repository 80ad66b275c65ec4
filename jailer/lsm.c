/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm.c - the three LSM layers of one jail, strung together.
 *
 * Theory of operation:
 *  1. Prepare (parent, before clone), per layer the profile did not turn
 *     off: probe the host; a layer the host lacks is an error when
 *     required ("SELinux: required, but ..."), a notice when optional,
 *     only a reason in the start record when auto (the default). A
 *     caller that may not use a layer the host has (no label for the jail,
 *     no privilege to load a profile or to relabel) counts as lacking it.
 *       SELinux  (lsm_selinux.c)  reserve a category pair, compute the
 *                                 process and file contexts, label the
 *                                 writable bind sources;
 *       AppArmor (lsm_apparmor.c) generate and load the jail's profile, or
 *                                 check that the named one is loaded;
 *       Landlock (lsm_landlock.c) turn the plan's mounts into rules.
 *     A failure undoes what the earlier layers did.
 *  2. Apply (PROGRAM's process, after pivot_root and the id change, before
 *     seccomp), in this order: the SELinux exec context and the AppArmor
 *     exec profile (both written to /proc/thread-self/attr/..., taking
 *     effect at execve), then Landlock last - its ruleset would otherwise
 *     forbid those very writes to /proc.
 *  3. Report: vj_lsm_to_json() says what applied, with the reason for each
 *     layer that did not.
 *  4. Release (parent, after the jail ended): unload the generated profile,
 *     restore the labels, drop the category reservation.
 */
#include "lsm_internal.h"
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

struct vj_lsm {
	struct vj_selinux se;
	struct vj_apparmor aa;
	struct vj_landlock ll;
	/* Why a layer did not apply ("" when it did). */
	char se_why[200], aa_why[200], ll_why[200];
	/* What the profile asked for. */
	enum vj_lsm_need se_need, aa_need, ll_need;
};

static const char *const need_names[] = { "off", "auto", "optional", "required" };

int vj_lsm_write_attr(const char *const *paths, const char *s, size_t len)
{
	int r = -ENOENT;
	for (size_t i = 0; paths[i]; i++) {
		_cleanup_close_ int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		ssize_t n = write(fd, s, len);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	return r;
}

/* The host lacks a layer: an error when required, a notice when optional,
 * only the reason (in the start record) when auto. */
static int missing(enum vj_lsm_need need, const char *layer, const char *reason, char *why, size_t why_len,
		   char ***notices, struct vj_error *err)
{
	snprintf(why, why_len, "%s", reason);
	if (need == VJ_LSM_REQUIRED)
		return vj_error_setx(err, EOPNOTSUPP, "%s: required, but %s", layer, reason);
	if (notices && need == VJ_LSM_OPTIONAL) {
		_cleanup_free_ char *line = vj_xasprintf("%s: %s; running without it", layer, reason);
		if (vj_strv_push(notices, line) < 0)
			return vj_error_set(err, ENOMEM, "notices");
	}
	return 0;
}

/* Failures that mean "not for this jail or this caller" rather than "broken":
 * no label known, no privilege to load a profile or to relabel. */
static bool degradable(int r)
{
	return r == -ENODATA || r == -EPERM || r == -EACCES;
}

/* SELinux and AppArmor set PROGRAM's exec label through the jail's /proc. */
static bool plan_has_proc(const struct vj_plan *plan)
{
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (plan->mounts[i].type == VJ_MOUNT_PROC && !plan->mounts[i].skip &&
		    vj_streq(plan->mounts[i].target, "/proc"))
			return true;
	return false;
}

int vj_lsm_prepare(const struct vj_plan *plan, struct vj_lsm **out, char ***notices, struct vj_error *err)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	struct vj_lsm *l = vj_xcalloc(1, sizeof(*l));
	char reason[200];
	int r;

	*out = NULL;
	l->se_need = lp->selinux;
	l->aa_need = lp->apparmor;
	l->ll_need = lp->landlock;
	l->se.c1 = l->se.c2 = -1;
	snprintf(l->se_why, sizeof(l->se_why), "off (lsm.selinux.mode)");
	snprintf(l->aa_why, sizeof(l->aa_why), "off (lsm.apparmor.mode)");
	snprintf(l->ll_why, sizeof(l->ll_why), "off (lsm.landlock.mode)");

	if (lp->selinux != VJ_LSM_OFF) {
		reason[0] = '\0';
		r = vj_selinux_probe(reason, sizeof(reason));
		if (r > 0 && !plan_has_proc(plan)) {
			r = 0;
			snprintf(reason, sizeof(reason), "the jail has no /proc to set the exec label through");
		}
		if (r > 0) {
			r = vj_selinux_prepare(&l->se, plan, err);
			if (degradable(r) && lp->selinux != VJ_LSM_REQUIRED) {
				/* Enabled, but no label known for this jail, or
				 * this caller may not label. */
				r = missing(lp->selinux, "SELinux", err->msg, l->se_why, sizeof(l->se_why), notices, err);
				vj_error_clear(err);
			} else if (r < 0) {
				vj_error_prefix(err, "SELinux");
			} else {
				l->se_why[0] = '\0';
			}
		} else {
			r = missing(lp->selinux, "SELinux", r < 0 ? strerror(-r) : reason, l->se_why,
				    sizeof(l->se_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}

	if (lp->apparmor != VJ_LSM_OFF) {
		reason[0] = '\0';
		r = vj_apparmor_probe(reason, sizeof(reason));
		if (r > 0 && !plan_has_proc(plan)) {
			r = 0;
			snprintf(reason, sizeof(reason), "the jail has no /proc to set the exec profile through");
		}
		if (r > 0) {
			r = vj_apparmor_prepare(&l->aa, plan, err);
			if (degradable(r) && lp->apparmor != VJ_LSM_REQUIRED) {
				/* This caller may not load a profile. */
				r = missing(lp->apparmor, "AppArmor", err->msg, l->aa_why, sizeof(l->aa_why), notices, err);
				vj_error_clear(err);
			} else if (r < 0) {
				vj_error_prefix(err, "AppArmor");
			} else {
				l->aa_why[0] = '\0';
			}
		} else {
			r = missing(lp->apparmor, "AppArmor", r < 0 ? strerror(-r) : reason, l->aa_why,
				    sizeof(l->aa_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}

	if (lp->landlock != VJ_LSM_OFF) {
		int abi = vj_landlock_abi();
		if (abi > 0) {
			r = vj_landlock_prepare(&l->ll, plan, abi, err);
			if (r < 0)
				vj_error_prefix(err, "Landlock");
			else
				l->ll_why[0] = '\0';
		} else {
			const char *why = abi == -ENOSYS ? "the kernel has no Landlock"
				      : abi == -EOPNOTSUPP ? "Landlock is not enabled on this host (see lsm= on the kernel command line)"
							   : strerror(-abi);
			r = missing(lp->landlock, "Landlock", why, l->ll_why, sizeof(l->ll_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}
	*out = l;
	return 0;
fail:
	vj_lsm_release(l);
	return r;
}

int vj_lsm_child_apply(const struct vj_lsm *lsm, const struct vj_plan *plan, struct vj_error *err)
{
	int r;
	if (!lsm)
		return 0;
	if ((r = vj_selinux_apply(&lsm->se, err)) < 0)
		return r;
	if ((r = vj_apparmor_apply(&lsm->aa, err)) < 0)
		return r;
	return vj_landlock_apply(&lsm->ll, err);
}

static void add_layer(json_object *o, const char *key, json_object *layer, const char *why,
		      enum vj_lsm_need need)
{
	vj_json_add_string(layer, "wanted", need_names[need]);
	if (why && *why)
		vj_json_add_string(layer, "reason", why);
	vj_json_add(o, key, layer);
}

json_object *vj_lsm_to_json(const struct vj_lsm *lsm)
{
	json_object *o = json_object_new_object();
	if (!lsm)
		return o;
	add_layer(o, "selinux", vj_selinux_to_json(&lsm->se), lsm->se_why, lsm->se_need);
	add_layer(o, "apparmor", vj_apparmor_to_json(&lsm->aa), lsm->aa_why, lsm->aa_need);
	add_layer(o, "landlock", vj_landlock_to_json(&lsm->ll), lsm->ll_why, lsm->ll_need);
	return o;
}

void vj_lsm_release(struct vj_lsm *lsm)
{
	if (!lsm)
		return;
	vj_apparmor_release(&lsm->aa);
	vj_selinux_release(&lsm->se);
	vj_landlock_free(&lsm->ll);
	free(lsm);
}

json_object *vj_lsm_features_json(void)
{
	char reason[200];
	json_object *o = json_object_new_object();

	json_object *s = json_object_new_object();
	reason[0] = '\0';
	int r = vj_selinux_probe(reason, sizeof(reason));
	vj_json_add_bool(s, "available", r > 0);
	if (r <= 0)
		vj_json_add_string(s, "reason", r < 0 ? strerror(-r) : reason);
	else
		vj_json_add_bool(s, "enforcing", reason[0] == 'e');
	vj_json_add_bool(s, "built", VJ_HAVE_SELINUX);
	vj_json_add(o, "selinux", s);

	json_object *a = json_object_new_object();
	reason[0] = '\0';
	r = vj_apparmor_probe(reason, sizeof(reason));
	vj_json_add_bool(a, "available", r > 0);
	if (r <= 0)
		vj_json_add_string(a, "reason", r < 0 ? strerror(-r) : reason);
	vj_json_add(o, "apparmor", a);

	json_object *l = json_object_new_object();
	int abi = vj_landlock_abi();
	vj_json_add_bool(l, "available", abi > 0);
	vj_json_add_int(l, "abi", abi > 0 ? abi : 0);
	vj_json_add(o, "landlock", l);
	return o;
}
