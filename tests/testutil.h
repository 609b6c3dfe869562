/* testutil.h - shared helpers for the CUnit programs in tests/. */
#ifndef LW_TESTS_TESTUTIL_H
#define LW_TESTS_TESTUTIL_H

#include <stddef.h>
#include <CUnit/CUnit.h>

struct tu_case {
    const char *name;
    void (*fn)(void);
};

/* Register one suite with the given NULL-terminated cases, run everything in basic
 * mode and return the process exit status (0 only if every assertion passed). */
int tu_run(const char *suite, const struct tu_case *cases);

/* A fresh directory under the build tree for this test program; borrowed static
 * string. Files made by a test go there. */
const char *tu_tmpdir(void);
/* tu_tmpdir()/name in a static buffer that the next call overwrites. */
const char *tu_path(const char *name);

/* Run a shell command; its stdout goes into a malloc'd NUL-terminated string the
 * caller frees (NULL if out is NULL). Returns the exit status, or -1. */
int tu_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write len bytes to path (created or truncated). 0, or -1 if it could not. */
int tu_write(const char *path, const void *data, size_t len);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len);

/* Count occurrences of needle in hay. */
size_t tu_count(const char *hay, const char *needle);

#endif
