/* ryaml.h - small helpers shared by the rules/ YAML loaders (ontology, catalog,
 * policies): load one file into a libyaml document with a size cap, look up mapping
 * keys, report problems as "file:line: message" through one diagnostics sink, and a
 * string arena so a loaded object frees in one call.
 *
 * Deliberately not a general YAML binding: values are read as scalars, sequences of
 * scalars or mappings of those, which is all the rule files use. Aliases are followed
 * as references (libyaml never expands them), and no walker recurses, so a hostile
 * file costs at most its own size. */
#ifndef LW_RULES_RYAML_H
#define LW_RULES_RYAML_H

#include <stddef.h>
#include <yaml.h>

/* Files larger than this are refused: rule files are a few kilobytes. */
#define RYAML_MAX_FILE (4u << 20)

/* Where problems go. fn (optional) sees every problem; the first one is also copied
 * into err (when non-NULL) so strict callers can return it. */
struct rdiag {
    void (*fn)(void *ctx, const char *file, int line, const char *msg);
    void *ctx;
    int nerr;
    char *err;
    size_t errlen;
    /* Warnings: expected overlaps (an imported entry shadowed by a hand-written one).
     * warn (optional) sees each; they never count as errors. */
    void (*warn)(void *ctx, const char *file, int line, const char *msg);
    int nwarn;
};

void rdiag_init(struct rdiag *d, char *err, size_t errlen);
/* Record one problem at file:line (line <= 0: no line). */
void rdiag_error(struct rdiag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record one warning at file:line: counted in nwarn, passed to warn, never an error. */
void rdiag_warn(struct rdiag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parse path into *doc (caller deletes it with yaml_document_delete() when this returns
 * 0). Syntax errors, unreadable or oversized files are reported to d and return a
 * negative lwerr.h code. An empty file yields a document without a root node. */
int ryaml_load(const char *path, yaml_document_t *doc, struct rdiag *d);

/* 1-based line of a node. */
int ryaml_line(const yaml_node_t *n);
/* Scalar text, or NULL if n is not a scalar. Borrowed from the document. */
const char *ryaml_str(const yaml_node_t *n);
/* Value node of key in mapping map (NULL if map is not a mapping or key absent). */
yaml_node_t *ryaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);

/* The entry of known (NULL-terminated) closest to word (len bytes) by edit distance,
 * if close enough to be a typo (at most 2 edits, 1 for words of 4 bytes or fewer, or
 * one a prefix of the other: "collect" -> "collects"); else NULL. Borrowed from known. */
const char *ryaml_suggest(const char *word, size_t len, const char *const *known);

/* Every key of mapping map must be in known (NULL-terminated): each other key is
 * reported at its line as "<what>: unknown field \"k\" (did you mean \"x\"?;
 * expected a, b, c)". A typo would otherwise be ignored in silence. Returns the number
 * of unknown keys (0 when map is not a mapping). */
int ryaml_check_keys(yaml_document_t *doc, yaml_node_t *map, const char *const *known,
                     const char *file, const char *what, struct rdiag *d);

/* Sorted .yaml / .yml file names of dir (not paths). Caller frees with
 * ryaml_names_free(). Returns the count or a negative lwerr.h code. */
int ryaml_list_dir(const char *dir, char ***names);
void ryaml_names_free(char **names, int n);
/* Call fn(ctx, path) for every .yaml / .yml file of dir in name order. dir may be a
 * layered list "d1:d2:...": a later directory adds its files and replaces an earlier
 * one's file of the same name (a path that exists as a whole is one directory). An
 * unreadable dir is reported to d. Returns the number of files, or the first negative code
 * returned by fn or by the listing. */
int ryaml_each_file(const char *dir, struct rdiag *d, int (*fn)(void *ctx, const char *path),
                    void *ctx);

/* Which layer of a layered list "d1:d2:..." (see ryaml_each_file) path, a file
 * directly in one of them, comes from: 0 for d1, 1 for d2 ...; 0 when dirs is one
 * directory or path is in none. */
int ryaml_layer_of(const char *dirs, const char *path);

/* A lowercase DNS name of letters, digits, '-' and dots with at least one dot, no
 * empty label, at most 253 bytes: the only form the catalogue accepts. */
int ryaml_domain_ok(const char *s);

/* Bump allocator; everything is released by rarena_free(). */
struct rarena;
void *rarena_alloc(struct rarena **a, size_t n);
char *rarena_strdup(struct rarena **a, const char *s);
void rarena_free(struct rarena *a);

#endif
