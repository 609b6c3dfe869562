/* version.h - `leakwatch -V`: the versions of leakwatch, of every library it runs on
 * (as loaded, where the library can say so), of the rule data, and the per-flow
 * memory cost. */
#ifndef LW_CLI_VERSION_H
#define LW_CLI_VERSION_H

#include <stdio.h>

struct pipeline_config;

#define LW_VERSION "0.1.0"

/* rules_dirs: the rules layers of this run; the last one with a VERSION file names
 * the rule data's version. pc: the run's -t, --max-flows and ring size, for the
 * memory figures. */
void version_print(FILE *out, const char *const *rules_dirs, int nrules_dirs,
                   const struct pipeline_config *pc);

#endif
