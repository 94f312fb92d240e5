/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "snapctl scan" and "snapctl snapshot --scan" share: loading YARA
 * rules and scanning a view with them, the matches printed.  Their exit
 * statuses are grep's: SCAN_MATCH, SCAN_NONE, SCAN_ERROR.
 */
#ifndef SNAPCTL_SCAN_H
#define SNAPCTL_SCAN_H

#include <stdbool.h>

struct procsnap_rules;
struct procsnap_view;

enum {
	SCAN_MATCH = 0,
	SCAN_NONE = 1,
	SCAN_ERROR = 2,
};

/* Load @path, reporting a failure (compiler errors too) on stderr. */
int scan_load_rules(const char *path, struct procsnap_rules **rp);

/*
 * Scan @v (@what names it in messages) and print the matches, as text or
 * (@json) as a JSON array.  Return: SCAN_MATCH, SCAN_NONE or SCAN_ERROR.
 */
int scan_print(struct procsnap_view *v, const char *what,
	       const struct procsnap_rules *r, unsigned int flags, bool json);

#endif /* SNAPCTL_SCAN_H */
