/* catalias.h - the other names a policy uses for a catalogue SDK ("Umeng+", "穿山甲"):
 * the `aliases:` list of a data/sdks/ entry.
 *
 * A bridge until the catalogue itself carries aliases (issue 17 adds
 * sdk_entry.aliases to rules/catalog.h). Until then this reads the `aliases:` key of
 * each entry straight from the catalogue files, which catalog.c ignores; once the
 * catalogue has them, catalias_get() returns e->aliases and the loader goes. Entries
 * without the key have no aliases; malformed files are catalog.c's to report. */
#ifndef LW_RULES_CATALIAS_H
#define LW_RULES_CATALIAS_H

#include <stddef.h>

typedef struct catalias catalias_t;

/* Read the aliases of every entry of the .yaml / .yml files of dir (the catalogue's
 * sdks/ directory). A missing dir gives an empty set. Returns 0 or a negative lwerr.h
 * code with a message in err; the caller frees *out with catalias_free(). */
int catalias_load_dir(const char *dir, catalias_t **out, char *err, size_t errlen);
void catalias_free(catalias_t *a);

/* The aliases of SDK id (borrowed, valid until catalias_free()); *n gets their count.
 * NULL with *n = 0 when the entry has none. */
const char *const *catalias_get(const catalias_t *a, const char *id, size_t *n);

#endif
