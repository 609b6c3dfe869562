/* fuzz_yaml.c - the rule and profile loaders (rules/): selector byte % 5 picks the lab
 * profile, the ontology, an SDK catalogue file, a policy file or the bytes of a cached
 * catalogue (catalog_restore()); a file is written in a private temp directory and
 * loaded as the product does, uncached. Policies are checked against the shipped
 * ontology and catalogue (LW_SOURCE_DIR/data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bigmem.h"
#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/profile.h"
#include "tests/fuzz/fuzz_util.h"

static char dir[64], file[96];
static ontology_t *ont;
static catalog_t *cat;

static void init(void)
{
    char err[512];
    snprintf(dir, sizeof dir, "/tmp/lw-fuzz-yaml.XXXXXX");
    if (!mkdtemp(dir))
        __builtin_trap();
    snprintf(file, sizeof file, "%s/f.yaml", dir);
    /* Every input would otherwise store a catalogue in the user's cache. */
    setenv("LEAKWATCH_NO_CACHE", "1", 1);
    if (ontology_load(LW_SOURCE_DIR "/data/ontology.yaml", &ont, err, sizeof err) < 0 ||
        catalog_load_dir(LW_SOURCE_DIR "/data/sdks", &cat, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_yaml: %s\n", err);
        __builtin_trap();
    }
}

FUZZ_SETUP(init)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    FILE *f = fopen(file, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    char err[512];
    switch (data[0] % 5) {
    case 0: {
        profile_t *p = NULL;
        if (profile_load(file, &p, err, sizeof err) == 0)
            profile_free(p);
        break;
    }
    case 1: {
        ontology_t *o = NULL;
        if (ontology_load(file, &o, err, sizeof err) == 0)
            ontology_free(o);
        break;
    }
    case 2: {
        catalog_t *c = NULL;
        if (catalog_load_dir(dir, &c, err, sizeof err) == 0)
            catalog_free(c);
        break;
    }
    case 4: {
        void *p = bigmem_alloc(size - 1);
        memcpy(p, data + 1, size - 1);
        catalog_free(catalog_restore(p, size - 1));
        break;
    }
    default: {
        policy_set_t *s = NULL;
        if (policy_load_dir(dir, ont, cat, &s, err, sizeof err) == 0)
            policy_set_free(s);
        break;
    }
    }
    unlink(file);
    return 0;
}
