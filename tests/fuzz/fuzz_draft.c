/* fuzz_draft.c - the policy drafter (rules/htmltext.c, draftlex.c, draft.c, draftout.c):
 * any bytes as a policy text or HTML page, drafted with the shipped ontology and
 * catalogue (LW_SOURCE_DIR/data, loaded and compiled once), the YAML written to
 * /dev/null. A refusal (not text, too many matches) is a normal outcome; a crash, a
 * sanitizer report or a leak is not. Links lw_rules only (the fuzz CMake should map
 * fuzz_draft to lw_rules, as it does fuzz_yaml). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rules/draft.h"
#include "rules/draftlex.h"
#include "rules/htmltext.h"
#include "tests/fuzz/fuzz_util.h"

#ifndef LW_SOURCE_DIR
#define LW_SOURCE_DIR "."
#endif

static ontology_t *ont;
static catalog_t *cat;
static draftlex_t *lx;
static FILE *sink;

static void init(void)
{
    char err[512];
    if (ontology_load(LW_SOURCE_DIR "/data/ontology.yaml", &ont, err, sizeof err) < 0 ||
        catalog_load_dir(LW_SOURCE_DIR "/data/sdks", &cat, err, sizeof err) < 0 ||
        draftlex_new(ont, cat, &lx, err, sizeof err) < 0 ||
        !(sink = fopen("/dev/null", "w"))) {
        fprintf(stderr, "fuzz_draft: %s\n", err);
        __builtin_trap();
    }
}

FUZZ_SETUP(init)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    char *text = NULL;
    size_t len;
    draft_t *d = NULL;
    if (htmltext_prepare((const char *)data, size, &text, &len, NULL, err, sizeof err) < 0)
        return 0;
    struct draft_opts o = {"fuzz", "fuzz.txt"};
    if (draft_build(lx, ont, text, len, &o, &d, err, sizeof err) == 0)
        draft_write_yaml(d, sink);
    draft_free(d);
    free(text);
    return 0;
}
