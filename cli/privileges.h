/* privileges.h - giving up root once the live capture is open. */
#ifndef LW_CLI_PRIVILEGES_H
#define LW_CLI_PRIVILEGES_H

#include <stddef.h>

/* Become user (if given) and give up every capability of this thread, which every
 * thread started later inherits (the sink's and the pipeline's threads start after
 * this). Root stays root only with allow_root. 0, or -1 with the reason in err. */
int privileges_drop(const char *user, int allow_root, char *err, size_t errlen);

#endif
