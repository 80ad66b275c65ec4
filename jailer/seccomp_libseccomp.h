/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_libseccomp.h - libseccomp's <seccomp.h>. Our own jailer/seccomp.h
 * shadows it on the include path, so it is reached with #include_next;
 * include this file as <seccomp_libseccomp.h> (found through -I jailer).
 */
#ifndef VJ_SECCOMP_LIBSECCOMP_H
#define VJ_SECCOMP_LIBSECCOMP_H
#include_next <seccomp.h>
#endif
