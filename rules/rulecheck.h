/* rulecheck.h - `leakwatch --check-rules [DIR]`: validate a whole rules directory
 * (DIR/ontology.yaml, DIR/sdks/, DIR/policies/) and report every problem as
 * "file:line: error: message". Not used on the packet path. */
#ifndef LW_RULES_RULECHECK_H
#define LW_RULES_RULECHECK_H

#include <stdio.h>

/* Check dir and write one line per problem, then a summary line, to report.
 * Returns the number of errors (0 = the rules load cleanly), or a negative lwerr.h
 * code if memory ran out. Problems found: YAML syntax, missing fields, unknown
 * identifier types, vague phrases used as types, bad or duplicate domains (also across
 * SDKs), duplicate SDK or policy ids, policies naming SDKs missing from the catalogue,
 * unknown promised transforms, SDK lists in policies without a catalogue. */
int rulecheck_dir(const char *dir, FILE *report);

/* The same for rule data layered over several directories as a run loads it (see
 * ruleset.h): the last ontology.yaml, and every file of sdks/ and policies/ with
 * later layers replacing files of the same name. With profile (may be NULL) the lab
 * profile too, as a run reads it (unknown fields, bad values, a device id, MAC or IP
 * given twice) and against the rules: every policy a device names must exist. */
int rulecheck_layers(const char *const *dirs, int ndirs, const char *profile, FILE *report);

#endif
