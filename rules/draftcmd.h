/* draftcmd.h - `leakwatch --draft-policy FILE [--rules DIR] [--id ID] [--against YAML]`:
 * loads the rule files the draft needs (ontology, SDK catalogue and its aliases), reads
 * the policy text, and writes the draft (or, with --against, what changed since a
 * declared policy). The pieces are rules/htmltext.h, draftlex.h and draft.h. */
#ifndef LW_RULES_DRAFTCMD_H
#define LW_RULES_DRAFTCMD_H

#include <stddef.h>
#include <stdio.h>

struct draftcmd {
    const char *file;      /* the policy text (plain text or HTML) */
    const char *rules_dir; /* ontology.yaml and sdks/ */
    const char *id;        /* NULL: made from the file name */
    const char *against;   /* NULL, or a data/policies/ file to compare with */
};

/* Run it, writing to out. Returns 0 or a negative lwerr.h code with a message naming
 * the file at fault in err. */
int draftcmd_run(const struct draftcmd *c, FILE *out, char *err, size_t errlen);

#endif
