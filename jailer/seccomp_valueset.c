/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_valueset.c - a syscall allowed for many values of one argument
 * (ioctl for a list of request numbers, above all), compiled as a binary
 * search instead of libseccomp's chain.
 *
 * Why: libseccomp lays a syscall's argument comparisons out as one chain,
 * largest value first, and the kernel walks it on every call. QEMU's
 * policy lists about 160 ioctl requests; KVM_RUN (0xae80, no direction
 * bits) is among the smallest, so the call QEMU makes most often ran the
 * longest path of the filter, some 300 instructions. A balanced search
 * over the same values takes about 15.
 *
 * Theory of operation:
 *  1. Find (side-effect free): a syscall qualifies when every rule for it
 *     (other than rules with the default's action, which the compiler
 *     leaves out anyway) has exactly one condition, all on the same
 *     argument, one the kernel reads as 32 bits (vj_sc_arg_is_32bit), each
 *     an exact comparison of those 32 bits (eq, or masked-eq with all 32
 *     bits in the mask), with no value given two different actions, and
 *     there are at least VJ_SC_VALUESET_MIN values.
 *  2. Compile: the qualifying syscalls' rules are left out of libseccomp's
 *     input; each syscall gets one unconditional rule whose action is
 *     SECCOMP_RET_TRACE with a marker (0xf000 + set index) instead -
 *     policies cannot name "trace", so the marker is ours alone.
 *     libseccomp builds its syscall tree as usual.
 *  3. Link: every "ret TRACE|marker" of the exported program becomes a
 *     "ja" to the set's block, appended after the program (jumps only go
 *     forward, as classic BPF requires). A block loads the argument's low
 *     32 bits and searches the sorted values: an inner node is
 *     "jge v; ja right" with the left half laid out right after it, a leaf
 *     is up to four "jeq v" jumping past "ret default" to one "ret" per
 *     distinct action of the leaf.
 *     Conditional jumps skip at most 2 * LEAF_MAX instructions and the
 *     long ones are "ja" (32-bit offsets), so no offset can overflow.
 *  4. Prologue: before libseccomp's program, "native architecture and
 *     this syscall? then to its search" for each set: the hot ioctl skips
 *     the walk down the syscall tree (four instructions instead of about
 *     twenty); any other call falls through to libseccomp's program, which
 *     checks the architecture itself. The prologue only loads the
 *     architecture and the number, so the kernel's action cache still
 *     finds every unconditionally allowed syscall.
 * The result decides exactly as libseccomp's chain would: the same values,
 * the same actions, the default for everything else, whatever the high
 * 32 bits hold (the narrowing the compiler applies to these arguments).
 * The tests compare the kernel's answers under both programs.
 */
#include "seccomp_policy.h"

#include <endian.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>

#define MARKER_BASE 0xf000u
#define LEAF_MAX 4

static bool exact32(const struct vj_sc_rule *r)
{
	if (r->n_conds != 1 || !vj_sc_arg_is_32bit(r->name, r->conds[0].index))
		return false;
	const struct vj_sc_cond *c = &r->conds[0];
	return c->op == SCMP_CMP_EQ || (c->op == SCMP_CMP_MASKED_EQ && (c->mask & 0xffffffffu) == 0xffffffffu);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct vj_sc_valueset_entry *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static bool same_action(const struct vj_sc_action *a, const struct vj_sc_action *b)
{
	return a->kind == b->kind && (a->kind != VJ_SC_ERRNO || a->errnum == b->errnum);
}

/* Step 1 for one syscall: fills s (values sorted, duplicates folded) and
 * returns true when nr qualifies. */
static bool find_one(const struct vj_sc_policy *p, const struct vj_sc_action *def, int nr,
		     struct vj_sc_valueset *s)
{
	size_t n = 0;
	int arg = -1;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct vj_sc_rule *r = &p->rules[i];
		if (r->nr != nr || same_action(&r->action, def))
			continue;
		if (!exact32(r) || (arg >= 0 && (unsigned)arg != r->conds[0].index))
			return false;
		arg = (int)r->conds[0].index;
		n++;
	}
	if (n < VJ_SC_VALUESET_MIN)
		return false;
	struct vj_sc_valueset_entry *e = vj_xcalloc(n, sizeof(*e));
	size_t k = 0;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct vj_sc_rule *r = &p->rules[i];
		if (r->nr != nr || same_action(&r->action, def))
			continue;
		e[k++] = (struct vj_sc_valueset_entry){ (uint32_t)r->conds[0].value, r->action };
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && e[m - 1].value == e[i].value) {
			if (!same_action(&e[m - 1].action, &e[i].action)) {
				free(e);
				return false; /* the compiler reports it, or libseccomp decides */
			}
			continue;
		}
		e[m++] = e[i];
	}
	if (m < VJ_SC_VALUESET_MIN) {
		free(e);
		return false;
	}
	*s = (struct vj_sc_valueset){ .nr = nr, .arg = (unsigned)arg, .entries = e, .n = m };
	return true;
}

int vj_sc_valuesets_find(const struct vj_sc_policy *p, const struct vj_sc_action *def, struct vj_sc_valueset **out,
			 size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	for (size_t i = 0; i < p->n_rules; i++) {
		int nr = p->rules[i].nr;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->rules[j].nr == nr;
		for (size_t j = 0; j < *n_out && !seen; j++)
			seen = (*out)[j].nr == nr;
		if (seen)
			continue;
		struct vj_sc_valueset s;
		if (!find_one(p, def, nr, &s))
			continue;
		if (*n_out >= 0x0fff) {
			free(s.entries);
			break;
		}
		struct vj_sc_valueset *grown = realloc(*out, (*n_out + 1) * sizeof(**out));
		if (!grown)
			abort();
		*out = grown;
		(*out)[(*n_out)++] = s;
	}
	return 0;
}

bool vj_sc_valuesets_cover(const struct vj_sc_valueset *sets, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (sets[i].nr == nr)
			return true;
	return false;
}

uint32_t vj_sc_valueset_marker(size_t index)
{
	return SCMP_ACT_TRACE((uint16_t)(MARKER_BASE + index));
}

void vj_sc_valuesets_free(struct vj_sc_valueset *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sets[i].entries);
	free(sets);
}

/* ---- step 3 ---- */

struct prog {
	struct sock_filter *insns;
	size_t len, cap;
};

static size_t emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		struct sock_filter *grown = realloc(p->insns, p->cap * sizeof(*grown));
		if (!grown)
			abort();
		p->insns = grown;
	}
	p->insns[p->len] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	return p->len++;
}

static void emit_range(struct prog *p, const struct vj_sc_valueset_entry *e, size_t lo, size_t hi,
		       uint32_t (*ret)(const struct vj_sc_action *), uint32_t def_ret)
{
	if (hi - lo <= LEAF_MAX) {
		/* "jeq v" for each value, "ret default", then one "ret" per
		 * distinct action of the leaf, which the jeqs jump to. */
		uint32_t acts[LEAF_MAX];
		size_t n_acts = 0, which[LEAF_MAX];
		for (size_t i = lo; i < hi; i++) {
			uint32_t a = ret(&e[i].action);
			size_t k = 0;
			while (k < n_acts && acts[k] != a)
				k++;
			if (k == n_acts)
				acts[n_acts++] = a;
			which[i - lo] = k;
		}
		size_t n = hi - lo;
		for (size_t i = 0; i < n; i++) /* to ret k: past the other jeqs and "ret default" */
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(n - 1 - i + 1 + which[i]), 0, e[lo + i].value);
		emit(p, BPF_RET | BPF_K, 0, 0, def_ret);
		for (size_t k = 0; k < n_acts; k++)
			emit(p, BPF_RET | BPF_K, 0, 0, acts[k]);
		return;
	}
	size_t mid = lo + (hi - lo) / 2;
	/* A >= v[mid]: the next instruction, "ja right"; else the left half
	 * right after it. */
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, e[mid].value);
	size_t ja = emit(p, BPF_JMP | BPF_JA, 0, 0, 0);
	emit_range(p, e, lo, mid, ret, def_ret);
	p->insns[ja].k = (uint32_t)(p->len - (ja + 1));
	emit_range(p, e, mid, hi, ret, def_ret);
}

int vj_sc_valuesets_link(struct vj_bpf *prog, const struct vj_sc_valueset *sets, size_t n,
			 uint32_t (*ret)(const struct vj_sc_action *), uint32_t def_ret, struct vj_error *err)
{
	if (!n)
		return 0;
	struct prog p = { .insns = prog->insns, .len = prog->len, .cap = prog->len };
	prog->insns = NULL;
	_cleanup_free_ size_t *block = vj_xcalloc(n, sizeof(size_t));
	for (size_t s = 0; s < n; s++) {
		size_t start = p.len;
		block[s] = start;
		uint32_t marker = vj_sc_valueset_marker(s);
		size_t found = 0;
		for (size_t i = 0; i < start; i++)
			if (p.insns[i].code == (BPF_RET | BPF_K) && p.insns[i].k == marker) {
				p.insns[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t)(start - (i + 1)), 0,
									  0);
				found++;
			}
		if (!found) {
			free(p.insns);
			return vj_error_setx(err, EPROTO, "value set of syscall %d: its marker is not in the program",
					     sets[s].nr);
		}
		uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * sets[s].arg);
#if __BYTE_ORDER == __BIG_ENDIAN
		off += 4;
#endif
		emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
		emit_range(&p, sets[s].entries, 0, sets[s].n, ret, def_ret);
	}
	/* The prologue: the native architecture's calls of a set's syscall
	 * go to its search straight away; everything else falls into
	 * libseccomp's program, which checks the architecture again. */
	size_t pro = 3 + 2 * n;
	if (pro - 2 > 255) {
		free(p.insns);
		return vj_error_setx(err, E2BIG, "too many value sets (%zu)", n);
	}
	struct sock_filter *all = vj_xcalloc(pro + p.len, sizeof(*all));
	size_t k = 0;
	all[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	all[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0,
						 (uint8_t)(pro - 2));
	all[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t s = 0; s < n; s++) {
		all[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sets[s].nr, 0, 1);
		all[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (uint32_t)(pro + block[s] - (k + 1)), 0, 0);
		k++;
	}
	memcpy(all + pro, p.insns, p.len * sizeof(*all));
	free(p.insns);
	prog->insns = all;
	prog->len = pro + p.len;
	if (prog->len > BPF_MAXINSNS)
		return vj_error_setx(err, E2BIG, "compiled filter has %zu instructions (at most %d fit)", prog->len,
				     BPF_MAXINSNS);
	return 0;
}
