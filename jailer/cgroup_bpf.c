/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_bpf.c - the device allow-list on cgroup v2: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, built by hand and loaded with the
 * raw bpf() syscall (no libbpf), attached to the jail's leaf.
 *
 * Theory of operation: the kernel runs the program for every device
 * access (open, mknod) by a task in the cgroup, with
 * struct bpf_cgroup_dev_ctx { access_type = ACCESS << 16 | TYPE; major;
 * minor }. The program compares against each allowed node in turn and
 * returns 1 (allow) on a match whose access has no MKNOD bit, 0 (deny,
 * EPERM) when none matches:
 *
 *      r2 = ctx->access_type; r3 = r2 >> 16; r2 &= 0xffff
 *      r4 = ctx->major; r5 = ctx->minor
 *      per node: if r2 != TYPE goto next; if r4 != MAJOR goto next;
 *                [if r5 != MINOR goto next;] if r3 & MKNOD goto next;
 *                r0 = 1; exit
 *      r0 = 0; exit
 *
 * It is attached with BPF_F_ALLOW_MULTI so it composes with whatever the
 * parents run (every program must allow). The attachment lives as long as
 * the cgroup; the program fd is closed right away.
 */
#include "cgroup_internal.h"

#include <linux/bpf.h>
#include <stdio.h>
#include <sys/syscall.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int vj_cg_bpf_devices_attach(int cgfd, const struct vj_cg_dev *devs, size_t n, struct vj_error *err)
{
	size_t cap = 8 + n * 6;
	_cleanup_free_ struct bpf_insn *p = calloc(cap, sizeof(*p));
	if (!p)
		return vj_error_set(err, ENOMEM, "device program");
	size_t k = 0;
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[k++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	for (size_t i = 0; i < n; i++) {
		bool any = devs[i].minor == VJ_CG_ANY_MINOR;
		int len = any ? 5 : 6, at = 0;
		int type = devs[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
		if (devs[i].major > INT32_MAX || (!any && devs[i].minor > INT32_MAX))
			return vj_error_setx(err, ERANGE, "device %c %u:%u out of range", devs[i].type,
					     devs[i].major, devs[i].minor);
		p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, (int16_t)(len - ++at), type);
		p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, (int16_t)(len - ++at), (int32_t)devs[i].major);
		if (!any)
			p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, (int16_t)(len - ++at),
				      (int32_t)devs[i].minor);
		p[k++] = INSN(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_3, 0, (int16_t)(len - ++at), BPF_DEVCG_ACC_MKNOD);
		p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
		p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	char log[4096] = "";
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p;
	attr.insn_cnt = (uint32_t)k;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	/* bpf() fds are always close-on-exec. */
	_cleanup_close_ int prog = sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0) {
		int e = errno;
		if (e == EINVAL) {
			/* Again with the verifier's log, for the message. */
			attr.log_buf = (uint64_t)(uintptr_t)log;
			attr.log_size = sizeof(log);
			attr.log_level = 1;
			(void)sys_bpf(BPF_PROG_LOAD, &attr);
			log[strcspn(log, "\n")] = '\0';
		}
		return vj_error_set(err, e, "loading the device program%s%s", log[0] ? ": " : "", log);
	}

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return vj_error_set(err, errno, "attaching the device program");
	return 0;
}
