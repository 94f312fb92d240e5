// SPDX-License-Identifier: GPL-2.0
/*
 * The target's LSM label at the instant.  The instant only takes the secid
 * (cheap, no allocation); the clone turns it into text after the pause, as
 * it names the files, because the text is what a responder compares with
 * policy and the secid means nothing outside this boot.  The text is the
 * secid's context, as audit prints it: AppArmor leaves out the mode that
 * /proc/PID/attr/current shows (apparmor.display_secid_mode=1 adds it).
 */
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "procsnap.h"

/**
 * procsnap_describe_label - name the label taken at the instant
 * @snap: the snapshot; called once, by its clone, before it reports detached
 *
 * No label (no LSM labels tasks, or the secid is gone) leaves it NULL:
 * LIST then reports an empty label.
 */
void procsnap_describe_label(struct procsnap_snapshot *snap)
{
	char *ctx;
	u32 size, len;

	if (!snap->target_secid ||
	    security_secid_to_secctx(snap->target_secid, &ctx, &size))
		return;
	/* Some LSMs count a final NUL or newline. */
	len = size;
	while (len && (ctx[len - 1] == '\n' || !ctx[len - 1]))
		len--;
	/* A few bytes: not worth charging to the requester's memcg. */
	snap->target_label = kmemdup_nul(ctx, len, GFP_KERNEL);
	security_release_secctx(ctx, size);
}
