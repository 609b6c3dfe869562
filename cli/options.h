/* options.h - leakwatch's command line, turned into the configuration of one run. */
#ifndef LW_CLI_OPTIONS_H
#define LW_CLI_OPTIONS_H

#include <stdio.h>

#include "capture/live.h"
#include "engine/pipeline.h"
#include "engine/ruleset.h"
#include "rules/draftcmd.h"
#include "sinks/sink.h"

enum options_action {
    OPTIONS_RUN,
    OPTIONS_HELP,
    OPTIONS_VERSION,
    OPTIONS_CHECK_RULES,  /* check_dir, or the rules list when NULL */
    OPTIONS_DRAFT,        /* --draft-policy: draft */
};

struct options {
    enum options_action action;
    const char *check_dir;
    struct draftcmd draft;      /* --draft-policy, --id, --against (and --rules) */
    struct pipeline_config pc;  /* files, keylogs, filter, workers, timeouts ... */
    struct sink_config sc;
    struct live_options lo;     /* ifaces, snaplen, buffer, promisc */
    struct ruleset_options ro;
    const char *user;           /* --user */
    int allow_root;
    /* Owned, freed by options_free(): the -r, -i and --keylog lists and the filter
     * expression; pc and lo point into them. */
    const char **files, **ifaces, **keylogs;
    int nfiles, nifaces, nkeylogs;
    char *filter;
    const char *filter_file;    /* -F FILE */
    /* The rules directories, layered in order (later files of the same name win):
     * every --rules, else $LEAKWATCH_RULES split at ':', else the shipped data
     * (paths.h). rules_env is the owned copy the split points into. */
    const char **rules_dirs;
    int nrules_dirs;
    char *rules_env;
    char rules_default[4096];
    char spool_default[4096];   /* the per-user spool (paths.h) when --redis has none */
    /* Options given that only matter with others (warned about when those are not). */
    int live_only_given;        /* --snaplen, --buffer-size, --no-promisc */
    int redis_only_given;       /* --redis-key, --redis-maxlen, --spool, --spool-max */
};

/* Parse argv into o (every default set first). 0, or -1 after a message on stderr
 * saying what is wrong. Strings point into argv or into o's own lists. */
int options_parse(int argc, char **argv, struct options *o);
void options_free(struct options *o);

/* The --help text. */
void options_usage(FILE *out);

#endif
