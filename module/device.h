/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROCSNAP_DEVICE_H
#define _PROCSNAP_DEVICE_H

int procsnap_device_init(void);
void procsnap_device_exit(void);

#endif /* _PROCSNAP_DEVICE_H */
