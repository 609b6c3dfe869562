/* paths.h - where leakwatch looks for its files when the command line does not say:
 * the shipped rule data (relative to the installed binary, so an installation can move
 * as a whole) and the per-user spool file. Nothing here is on the packet path. */
#ifndef LW_CLI_PATHS_H
#define LW_CLI_PATHS_H

#include <stddef.h>

/* The shipped rule data directory into buf: <dir of the running binary>/../share/
 * leakwatch when it holds an ontology.yaml (an installed leakwatch, wherever its
 * prefix went), else the source tree's data/ (a binary run from its build tree),
 * else the install-time data directory. Returns buf; buf always gets one of them,
 * even when it does not exist (the loader then says so). */
const char *paths_rules_default(char *buf, size_t len);

/* The per-user spool file into buf: $XDG_STATE_HOME/leakwatch/spool.jsonl, else
 * ~/.local/state/leakwatch/spool.jsonl. Creates the leakwatch directory (mode 0700)
 * and its parents when missing. Returns buf, or NULL with the reason in err when
 * there is no home or the directory cannot be made. */
const char *paths_spool_default(char *buf, size_t len, char *err, size_t errlen);

#endif
