/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "util.h"

struct vj_trim_stats {
	size_t mappings;      /* clean file mappings dropped */
	size_t dropped_bytes; /* their size (not all of it was resident) */
};

/* Free heap pages and drop the clean private file mappings (code and
 * read-only data) from this process's resident set; trim.c says why it
 * is safe. 0, or -errno when /proc/self/smaps cannot be read. */
int vj_trim_memory(struct vj_trim_stats *st);
