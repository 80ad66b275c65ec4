/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_names.c - symbolic constants a policy may write instead of
 * numbers: ioctl request numbers (KVM, TUN, vhost, terminals, block
 * devices, ...), clone flags, socket families and types, prctl options,
 * personality values, signals (a clone's exit signal) and fcntl commands.
 *
 * Values come from the build's kernel and libc headers, so they are those
 * of the build architecture (for the ioctl numbers here x86_64 and aarch64
 * agree). A value is written "NAME", "NAME|NAME|...", a C integer
 * ("0x8090ae81", "-100"), or a mix joined with '|'.
 */
#include "seccomp_policy.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/prctl.h>
#include <linux/sockios.h>
#include <linux/userfaultfd.h>
#include <linux/vhost.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define N(kind, name) { #name, (uint64_t)(name), VJ_SC_K_##kind }

const struct vj_sc_name vj_sc_names[] = {
	/* KVM (linux/kvm.h): system, VM and vCPU ioctls. */
	N(IOCTL, KVM_GET_API_VERSION), N(IOCTL, KVM_CREATE_VM), N(IOCTL, KVM_CHECK_EXTENSION),
	N(IOCTL, KVM_GET_VCPU_MMAP_SIZE), N(IOCTL, KVM_GET_SUPPORTED_CPUID), N(IOCTL, KVM_GET_EMULATED_CPUID),
	N(IOCTL, KVM_GET_MSR_INDEX_LIST), N(IOCTL, KVM_GET_MSR_FEATURE_INDEX_LIST),
	N(IOCTL, KVM_GET_SUPPORTED_HV_CPUID), N(IOCTL, KVM_X86_GET_MCE_CAP_SUPPORTED),
	N(IOCTL, KVM_GET_DEVICE_ATTR), N(IOCTL, KVM_HAS_DEVICE_ATTR), N(IOCTL, KVM_SET_DEVICE_ATTR),
	N(IOCTL, KVM_CREATE_VCPU), N(IOCTL, KVM_SET_USER_MEMORY_REGION), N(IOCTL, KVM_SET_TSS_ADDR),
	N(IOCTL, KVM_SET_IDENTITY_MAP_ADDR), N(IOCTL, KVM_CREATE_IRQCHIP), N(IOCTL, KVM_IRQ_LINE),
	N(IOCTL, KVM_IRQ_LINE_STATUS), N(IOCTL, KVM_GET_IRQCHIP), N(IOCTL, KVM_SET_IRQCHIP),
	N(IOCTL, KVM_SET_GSI_ROUTING), N(IOCTL, KVM_IRQFD), N(IOCTL, KVM_IOEVENTFD), N(IOCTL, KVM_SIGNAL_MSI),
	N(IOCTL, KVM_CREATE_PIT2), N(IOCTL, KVM_GET_PIT2), N(IOCTL, KVM_SET_PIT2), N(IOCTL, KVM_SET_BOOT_CPU_ID),
	N(IOCTL, KVM_GET_CLOCK), N(IOCTL, KVM_SET_CLOCK), N(IOCTL, KVM_GET_DIRTY_LOG), N(IOCTL, KVM_CLEAR_DIRTY_LOG),
	N(IOCTL, KVM_REGISTER_COALESCED_MMIO), N(IOCTL, KVM_UNREGISTER_COALESCED_MMIO),
	N(IOCTL, KVM_ENABLE_CAP), N(IOCTL, KVM_CREATE_DEVICE), N(IOCTL, KVM_GET_STATS_FD),
	N(IOCTL, KVM_X86_SET_MSR_FILTER), N(IOCTL, KVM_SET_PMU_EVENT_FILTER), N(IOCTL, KVM_RESET_DIRTY_RINGS),
	N(IOCTL, KVM_SET_NR_MMU_PAGES), N(IOCTL, KVM_GET_NR_MMU_PAGES), N(IOCTL, KVM_PPC_GET_PVINFO),
	N(IOCTL, KVM_RUN), N(IOCTL, KVM_GET_REGS), N(IOCTL, KVM_SET_REGS), N(IOCTL, KVM_GET_SREGS),
	N(IOCTL, KVM_SET_SREGS), N(IOCTL, KVM_TRANSLATE), N(IOCTL, KVM_INTERRUPT), N(IOCTL, KVM_NMI),
	N(IOCTL, KVM_SMI), N(IOCTL, KVM_GET_MSRS), N(IOCTL, KVM_SET_MSRS), N(IOCTL, KVM_SET_CPUID),
	N(IOCTL, KVM_SET_CPUID2), N(IOCTL, KVM_GET_CPUID2), N(IOCTL, KVM_SET_SIGNAL_MASK), N(IOCTL, KVM_GET_FPU),
	N(IOCTL, KVM_SET_FPU), N(IOCTL, KVM_GET_LAPIC), N(IOCTL, KVM_SET_LAPIC), N(IOCTL, KVM_GET_VCPU_EVENTS),
	N(IOCTL, KVM_SET_VCPU_EVENTS), N(IOCTL, KVM_GET_DEBUGREGS), N(IOCTL, KVM_SET_DEBUGREGS),
	N(IOCTL, KVM_GET_XSAVE), N(IOCTL, KVM_SET_XSAVE), N(IOCTL, KVM_GET_XSAVE2), N(IOCTL, KVM_GET_XCRS),
	N(IOCTL, KVM_SET_XCRS), N(IOCTL, KVM_GET_MP_STATE), N(IOCTL, KVM_SET_MP_STATE), N(IOCTL, KVM_SET_TSC_KHZ),
	N(IOCTL, KVM_GET_TSC_KHZ), N(IOCTL, KVM_KVMCLOCK_CTRL), N(IOCTL, KVM_SET_GUEST_DEBUG),
	N(IOCTL, KVM_X86_SETUP_MCE), N(IOCTL, KVM_X86_SET_MCE), N(IOCTL, KVM_GET_NESTED_STATE),
	N(IOCTL, KVM_SET_NESTED_STATE), N(IOCTL, KVM_GET_ONE_REG), N(IOCTL, KVM_SET_ONE_REG),
	N(IOCTL, KVM_GET_REG_LIST), N(IOCTL, KVM_GET_SREGS2), N(IOCTL, KVM_SET_SREGS2),
	N(IOCTL, KVM_TPR_ACCESS_REPORTING), N(IOCTL, KVM_SET_VAPIC_ADDR),
	/* TUN/TAP (linux/if_tun.h). */
	N(IOCTL, TUNSETIFF), N(IOCTL, TUNGETIFF), N(IOCTL, TUNSETPERSIST), N(IOCTL, TUNSETOWNER),
	N(IOCTL, TUNSETGROUP), N(IOCTL, TUNGETFEATURES), N(IOCTL, TUNSETOFFLOAD), N(IOCTL, TUNSETQUEUE),
	N(IOCTL, TUNSETSNDBUF), N(IOCTL, TUNGETSNDBUF), N(IOCTL, TUNSETVNETHDRSZ), N(IOCTL, TUNGETVNETHDRSZ),
	N(IOCTL, TUNSETVNETLE), N(IOCTL, TUNGETVNETLE), N(IOCTL, TUNSETVNETBE), N(IOCTL, TUNGETVNETBE),
	N(IOCTL, TUNSETLINK), N(IOCTL, TUNSETTXFILTER), N(IOCTL, TUNATTACHFILTER), N(IOCTL, TUNDETACHFILTER),
	/* vhost (linux/vhost.h). */
	N(IOCTL, VHOST_GET_FEATURES), N(IOCTL, VHOST_SET_FEATURES), N(IOCTL, VHOST_SET_OWNER),
	N(IOCTL, VHOST_RESET_OWNER), N(IOCTL, VHOST_SET_MEM_TABLE), N(IOCTL, VHOST_SET_LOG_BASE),
	N(IOCTL, VHOST_SET_LOG_FD), N(IOCTL, VHOST_SET_VRING_NUM), N(IOCTL, VHOST_SET_VRING_ADDR),
	N(IOCTL, VHOST_SET_VRING_BASE), N(IOCTL, VHOST_GET_VRING_BASE), N(IOCTL, VHOST_SET_VRING_KICK),
	N(IOCTL, VHOST_SET_VRING_CALL), N(IOCTL, VHOST_SET_VRING_ERR), N(IOCTL, VHOST_SET_VRING_BUSYLOOP_TIMEOUT),
	N(IOCTL, VHOST_GET_BACKEND_FEATURES), N(IOCTL, VHOST_SET_BACKEND_FEATURES),
	N(IOCTL, VHOST_NET_SET_BACKEND), N(IOCTL, VHOST_VSOCK_SET_GUEST_CID), N(IOCTL, VHOST_VSOCK_SET_RUNNING),
	/* Terminals and generic file ioctls. */
	N(IOCTL, TCGETS), N(IOCTL, TCSETS), N(IOCTL, TCSETSW), N(IOCTL, TCSETSF), N(IOCTL, TCGETA),
	N(IOCTL, TCSETA), N(IOCTL, TCSBRK), N(IOCTL, TCXONC), N(IOCTL, TCFLSH), N(IOCTL, TIOCGWINSZ),
	N(IOCTL, TIOCSWINSZ), N(IOCTL, TIOCGPGRP), N(IOCTL, TIOCSPGRP), N(IOCTL, TIOCSCTTY), N(IOCTL, TIOCNOTTY),
	N(IOCTL, TIOCGSID), N(IOCTL, TIOCSTI), N(IOCTL, TIOCLINUX), N(IOCTL, TIOCOUTQ), N(IOCTL, TIOCGPTN),
	N(IOCTL, TIOCSPTLCK), N(IOCTL, TIOCGPTPEER), N(IOCTL, TIOCMGET), N(IOCTL, TIOCMSET),
	N(IOCTL, TIOCEXCL), N(IOCTL, TIOCNXCL), N(IOCTL, TIOCGETD), N(IOCTL, TIOCSETD),
	N(IOCTL, FIONREAD), N(IOCTL, FIONBIO), N(IOCTL, FIOCLEX), N(IOCTL, FIONCLEX), N(IOCTL, FIOASYNC),
	/* Block devices and filesystems (linux/fs.h). */
	N(IOCTL, BLKGETSIZE), N(IOCTL, BLKGETSIZE64), N(IOCTL, BLKSSZGET), N(IOCTL, BLKPBSZGET),
	N(IOCTL, BLKIOMIN), N(IOCTL, BLKIOOPT), N(IOCTL, BLKALIGNOFF), N(IOCTL, BLKROGET), N(IOCTL, BLKRAGET),
	N(IOCTL, BLKFLSBUF), N(IOCTL, BLKDISCARD), N(IOCTL, BLKSECDISCARD), N(IOCTL, BLKZEROOUT),
	N(IOCTL, BLKDISCARDZEROES), N(IOCTL, BLKRRPART), N(IOCTL, FS_IOC_GETFLAGS), N(IOCTL, FS_IOC_SETFLAGS),
	N(IOCTL, FS_IOC_GETVERSION), N(IOCTL, FS_IOC_FSGETXATTR),
	N(IOCTL, FS_IOC_FSSETXATTR), N(IOCTL, FICLONE), N(IOCTL, FICLONERANGE), N(IOCTL, FIDEDUPERANGE),
	N(IOCTL, FIGETBSZ), N(IOCTL, FIBMAP), N(IOCTL, FIFREEZE), N(IOCTL, FITHAW),
	/* Network interfaces (linux/sockios.h). */
	N(IOCTL, SIOCGIFINDEX), N(IOCTL, SIOCGIFNAME), N(IOCTL, SIOCGIFFLAGS), N(IOCTL, SIOCSIFFLAGS),
	N(IOCTL, SIOCGIFMTU), N(IOCTL, SIOCSIFMTU), N(IOCTL, SIOCGIFHWADDR), N(IOCTL, SIOCSIFHWADDR),
	N(IOCTL, SIOCGIFADDR), N(IOCTL, SIOCSIFADDR), N(IOCTL, SIOCGIFNETMASK), N(IOCTL, SIOCGIFCONF),
	N(IOCTL, SIOCETHTOOL), N(IOCTL, SIOCGSTAMP_OLD), N(IOCTL, SIOCOUTQ), N(IOCTL, SIOCINQ),
	/* userfaultfd (postcopy migration). */
	N(IOCTL, UFFDIO_API), N(IOCTL, UFFDIO_REGISTER), N(IOCTL, UFFDIO_UNREGISTER), N(IOCTL, UFFDIO_WAKE),
	N(IOCTL, UFFDIO_COPY), N(IOCTL, UFFDIO_ZEROPAGE), N(IOCTL, UFFDIO_WRITEPROTECT),

	/* clone flags (and clone3's), low to high. */
	N(CLONE, CLONE_NEWTIME), N(CLONE, CLONE_VM), N(CLONE, CLONE_FS), N(CLONE, CLONE_FILES),
	N(CLONE, CLONE_SIGHAND), N(CLONE, CLONE_PIDFD), N(CLONE, CLONE_PTRACE), N(CLONE, CLONE_VFORK),
	N(CLONE, CLONE_PARENT), N(CLONE, CLONE_THREAD), N(CLONE, CLONE_NEWNS), N(CLONE, CLONE_SYSVSEM),
	N(CLONE, CLONE_SETTLS), N(CLONE, CLONE_PARENT_SETTID), N(CLONE, CLONE_CHILD_CLEARTID),
	N(CLONE, CLONE_DETACHED), N(CLONE, CLONE_UNTRACED), N(CLONE, CLONE_CHILD_SETTID),
	N(CLONE, CLONE_NEWCGROUP), N(CLONE, CLONE_NEWUTS), N(CLONE, CLONE_NEWIPC), N(CLONE, CLONE_NEWUSER),
	N(CLONE, CLONE_NEWPID), N(CLONE, CLONE_NEWNET), N(CLONE, CLONE_IO),

	/* Socket families, types and type flags. */
	N(AF, AF_UNSPEC), N(AF, AF_UNIX), N(AF, AF_LOCAL), N(AF, AF_INET), N(AF, AF_INET6), N(AF, AF_NETLINK),
	N(AF, AF_PACKET), N(AF, AF_VSOCK), N(AF, AF_ALG), N(AF, AF_KEY), N(AF, AF_BLUETOOTH), N(AF, AF_XDP),
	N(SOCK, SOCK_STREAM), N(SOCK, SOCK_DGRAM), N(SOCK, SOCK_RAW), N(SOCK, SOCK_SEQPACKET),
	N(SOCK, SOCK_NONBLOCK), N(SOCK, SOCK_CLOEXEC),

	/* prctl options (linux/prctl.h). */
	N(PRCTL, PR_SET_PDEATHSIG), N(PRCTL, PR_GET_PDEATHSIG), N(PRCTL, PR_GET_DUMPABLE),
	N(PRCTL, PR_SET_DUMPABLE), N(PRCTL, PR_GET_KEEPCAPS), N(PRCTL, PR_SET_KEEPCAPS), N(PRCTL, PR_GET_TIMING),
	N(PRCTL, PR_SET_NAME), N(PRCTL, PR_GET_NAME), N(PRCTL, PR_GET_SECCOMP), N(PRCTL, PR_SET_SECCOMP),
	N(PRCTL, PR_CAPBSET_READ), N(PRCTL, PR_CAPBSET_DROP), N(PRCTL, PR_GET_TSC), N(PRCTL, PR_SET_TSC),
	N(PRCTL, PR_GET_SECUREBITS), N(PRCTL, PR_SET_SECUREBITS), N(PRCTL, PR_SET_TIMERSLACK),
	N(PRCTL, PR_GET_TIMERSLACK), N(PRCTL, PR_MCE_KILL), N(PRCTL, PR_MCE_KILL_GET), N(PRCTL, PR_SET_MM),
	N(PRCTL, PR_SET_PTRACER), N(PRCTL, PR_SET_CHILD_SUBREAPER), N(PRCTL, PR_GET_CHILD_SUBREAPER),
	N(PRCTL, PR_SET_NO_NEW_PRIVS), N(PRCTL, PR_GET_NO_NEW_PRIVS), N(PRCTL, PR_GET_TID_ADDRESS),
	N(PRCTL, PR_SET_THP_DISABLE), N(PRCTL, PR_GET_THP_DISABLE), N(PRCTL, PR_CAP_AMBIENT),
	N(PRCTL, PR_GET_SPECULATION_CTRL), N(PRCTL, PR_SET_SPECULATION_CTRL), N(PRCTL, PR_SET_IO_FLUSHER),
	N(PRCTL, PR_GET_IO_FLUSHER), N(PRCTL, PR_SCHED_CORE), N(PRCTL, PR_SET_VMA),
	N(PRCTL, PR_SET_SYSCALL_USER_DISPATCH),

	/* personality(2). */
	N(PERSONALITY, PER_LINUX), N(PERSONALITY, PER_LINUX32), N(PERSONALITY, ADDR_NO_RANDOMIZE),
	N(PERSONALITY, READ_IMPLIES_EXEC), N(PERSONALITY, UNAME26), N(PERSONALITY, ADDR_LIMIT_32BIT),
	{ "PER_QUERY", 0xffffffffu, VJ_SC_K_PERSONALITY },

	/* Signals (the exit signal in clone flags). */
	N(SIGNAL, SIGHUP), N(SIGNAL, SIGINT), N(SIGNAL, SIGQUIT), N(SIGNAL, SIGILL), N(SIGNAL, SIGTRAP),
	N(SIGNAL, SIGABRT), N(SIGNAL, SIGBUS), N(SIGNAL, SIGFPE), N(SIGNAL, SIGKILL), N(SIGNAL, SIGUSR1),
	N(SIGNAL, SIGSEGV), N(SIGNAL, SIGUSR2), N(SIGNAL, SIGPIPE), N(SIGNAL, SIGALRM), N(SIGNAL, SIGTERM),
	N(SIGNAL, SIGCHLD), N(SIGNAL, SIGCONT), N(SIGNAL, SIGSTOP), N(SIGNAL, SIGTSTP), N(SIGNAL, SIGTTIN),
	N(SIGNAL, SIGTTOU), N(SIGNAL, SIGURG), N(SIGNAL, SIGXCPU), N(SIGNAL, SIGXFSZ), N(SIGNAL, SIGVTALRM),
	N(SIGNAL, SIGPROF), N(SIGNAL, SIGWINCH), N(SIGNAL, SIGIO), N(SIGNAL, SIGPWR), N(SIGNAL, SIGSYS),

	/* fcntl commands. */
	N(FCNTL, F_DUPFD), N(FCNTL, F_GETFD), N(FCNTL, F_SETFD), N(FCNTL, F_GETFL), N(FCNTL, F_SETFL),
	N(FCNTL, F_GETLK), N(FCNTL, F_SETLK), N(FCNTL, F_SETLKW), N(FCNTL, F_SETOWN), N(FCNTL, F_GETOWN),
	N(FCNTL, F_SETSIG), N(FCNTL, F_GETSIG), N(FCNTL, F_OFD_GETLK), N(FCNTL, F_OFD_SETLK),
	N(FCNTL, F_OFD_SETLKW), N(FCNTL, F_DUPFD_CLOEXEC), N(FCNTL, F_SETPIPE_SZ), N(FCNTL, F_GETPIPE_SZ),
	N(FCNTL, F_ADD_SEALS), N(FCNTL, F_GET_SEALS), N(FCNTL, F_SETLEASE), N(FCNTL, F_GETLEASE),
	N(FCNTL, F_NOTIFY),

	/* Miscellaneous argument values. */
	N(MISC, AT_FDCWD), N(MISC, O_RDONLY), N(MISC, O_WRONLY), N(MISC, O_RDWR), N(MISC, O_CLOEXEC),
	N(MISC, O_NONBLOCK), N(MISC, O_CREAT), N(MISC, O_EXCL), N(MISC, O_TRUNC), N(MISC, O_APPEND),
	N(MISC, O_DIRECTORY), N(MISC, O_NOFOLLOW), N(MISC, O_PATH), N(MISC, O_TMPFILE), N(MISC, O_DIRECT),
};
const size_t vj_sc_n_names = ARRAY_SIZE(vj_sc_names);

static bool name_find(const char *s, size_t len, uint64_t *out)
{
	for (size_t i = 0; i < vj_sc_n_names; i++) {
		const char *n = vj_sc_names[i].name;
		if (len && n[0] == s[0] && strncmp(n, s, len) == 0 && n[len] == '\0') {
			*out = vj_sc_names[i].value;
			return true;
		}
	}
	return false;
}

static bool number_parse(const char *s, size_t len, uint64_t *out)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	if (buf[0] == '-') {
		long long v = strtoll(buf, &end, 0);
		if (errno || *end || end == buf)
			return false;
		*out = (uint64_t)v;
		return true;
	}
	if (buf[0] < '0' || buf[0] > '9')
		return false;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int vj_sc_value_parse(const char *s, uint64_t *out, const char **bad, size_t *bad_len)
{
	uint64_t v = 0;
	const char *p = s;
	for (;;) {
		while (*p == ' ')
			p++;
		const char *e = strchrnul(p, '|');
		size_t len = (size_t)(e - p);
		while (len && p[len - 1] == ' ')
			len--;
		uint64_t t;
		if (!name_find(p, len, &t) && !number_parse(p, len, &t)) {
			*bad = p;
			*bad_len = len;
			return -EINVAL;
		}
		v |= t;
		if (!*e)
			break;
		p = e + 1;
	}
	*out = v;
	return 0;
}

const char *vj_sc_name_lookup(enum vj_sc_name_kind kind, uint64_t value)
{
	for (size_t i = 0; i < vj_sc_n_names; i++)
		if (vj_sc_names[i].kind == kind && vj_sc_names[i].value == value)
			return vj_sc_names[i].name;
	return NULL;
}

static const struct {
	const char *syscall;
	unsigned index;
	enum vj_sc_name_kind kind;
} learned[] = {
	{ "ioctl", 1, VJ_SC_K_IOCTL },
	{ "clone", 0, VJ_SC_K_CLONE },
	{ "socket", 0, VJ_SC_K_AF },
	{ "prctl", 0, VJ_SC_K_PRCTL },
};

bool vj_sc_learned_arg(const char *syscall, unsigned *index, enum vj_sc_name_kind *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(learned); i++)
		if (strcmp(learned[i].syscall, syscall) == 0) {
			*index = learned[i].index;
			*kind = learned[i].kind;
			return true;
		}
	return false;
}

/* Arguments declared int/unsigned int in the kernel's SYSCALL_DEFINE. */
static const struct {
	const char *syscall;
	unsigned mask; /* bit i: argument i */
} args32[] = {
	{ "ioctl", 0x3 }, { "fcntl", 0x3 }, { "socket", 0x7 }, { "socketpair", 0x7 },
	{ "prctl", 0x1 }, { "personality", 0x1 }, { "setsockopt", 0x7 }, { "getsockopt", 0x7 },
	{ "sendmsg", 0x5 }, { "recvmsg", 0x5 }, { "close", 0x1 }, { "kill", 0x3 }, { "tgkill", 0x7 },
	{ "dup2", 0x3 }, { "dup3", 0x7 }, { "openat", 0x5 }, { "madvise", 0x4 }, { "futex", 0x2 },
	{ "mprotect", 0x4 }, { "flock", 0x3 }, { "shutdown", 0x3 }, { "listen", 0x3 }, { "accept4", 0x9 },
};

bool vj_sc_arg_is_32bit(const char *syscall, unsigned index)
{
	for (size_t i = 0; i < ARRAY_SIZE(args32); i++)
		if (strcmp(args32[i].syscall, syscall) == 0)
			return index < 6 && (args32[i].mask & (1u << index));
	return false;
}

void vj_sc_value_format(enum vj_sc_name_kind kind, uint64_t value, char *buf, size_t len)
{
	const char *n = vj_sc_name_lookup(kind, value);
	if (n) {
		snprintf(buf, len, "%s", n);
		return;
	}
	if (kind != VJ_SC_K_CLONE) {
		snprintf(buf, len, "0x%llx", (unsigned long long)value);
		return;
	}
	/* Clone flags: the named flags, then the exit signal (low byte). */
	size_t off = 0;
	uint64_t rest = value & ~(uint64_t)0xff;
	buf[0] = '\0';
	for (size_t i = 0; i < vj_sc_n_names && off < len; i++) {
		const struct vj_sc_name *e = &vj_sc_names[i];
		if (e->kind != VJ_SC_K_CLONE || e->value == CLONE_NEWTIME || !(rest & e->value))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "|" : "", e->name);
		rest &= ~e->value;
	}
	if (rest && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%s0x%llx", off ? "|" : "", (unsigned long long)rest);
	uint64_t sig = value & 0xff;
	if ((sig || !off) && off < len) {
		const char *sn = vj_sc_name_lookup(VJ_SC_K_SIGNAL, sig);
		if (sn)
			snprintf(buf + off, len - off, "%s%s", off ? "|" : "", sn);
		else
			snprintf(buf + off, len - off, "%s%llu", off ? "|" : "", (unsigned long long)sig);
	}
}
