/* test_rules_suggest.c - "did you mean": ryaml_suggest() finds the key a typo was meant
 * to be (one or two edits, a swap of neighbours, a word cut short or run on) and
 * stays silent for words that are not near any key; ryaml_check_keys() names every
 * unknown key of a mapping at its line and lets known ones pass (issue 15, defect 9). */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "rules/ryaml.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

static const char *const POLICY_KEYS[] = {"id", "app", "source", "sdk_catalogue", "note",
                                          "linked", "first_party", "sdks", NULL};

static const char *sug(const char *w, const char *const *known)
{
    return ryaml_suggest(w, strlen(w), known);
}

static void test_suggest(void)
{
    static const char *const fp[] = {"collects", "clause", "domains", "transforms", NULL};
    static const char *const types[] = {"imei", "meid", "imsi", "oaid", "ip", NULL};
    CU_ASSERT_STRING_EQUAL(sug("sdk_catalog", POLICY_KEYS), "sdk_catalogue"); /* cut short */
    CU_ASSERT_STRING_EQUAL(sug("collect", fp), "collects");
    CU_ASSERT_STRING_EQUAL(sug("domian", fp), "domains");       /* swap + missing s */
    CU_ASSERT_STRING_EQUAL(sug("imie", types), "imei");         /* swap of neighbours */
    CU_ASSERT_STRING_EQUAL(sug("clauses", fp), "clause");       /* run on */
    CU_ASSERT_STRING_EQUAL(sug("sdk", POLICY_KEYS), "sdks");
    CU_ASSERT_PTR_NULL(sug("vendor", POLICY_KEYS));             /* nothing near */
    CU_ASSERT_PTR_NULL(sug("xyz", types));
    CU_ASSERT_PTR_NULL(sug("", types));
    /* Short words: one edit at most ("ab" is not "ip"). */
    CU_ASSERT_PTR_NULL(sug("ab", types));
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CU_ASSERT_PTR_NULL(sug(big, types));                        /* too long: no match */
}

struct seen {
    int n;
    int line[8];
    char msg[8][LW_ERRBUF];
};

static void record(void *ctx, const char *file, int line, const char *msg)
{
    struct seen *s = ctx;
    (void)file;
    if (s->n < 8) {
        s->line[s->n] = line;
        snprintf(s->msg[s->n], sizeof s->msg[0], "%s", msg);
    }
    s->n++;
}

static void test_check_keys(void)
{
    const char *text = "id: x\n"
                       "app: y\n"
                       "sdk_catalog: included\n"
                       "sources: z\n"
                       "zzz: 1\n";
    const char *path = tu_path("keys.yaml");
    CU_ASSERT_FATAL(tu_write(path, text, strlen(text)) == 0);
    struct rdiag d;
    struct seen s;
    memset(&s, 0, sizeof s);
    rdiag_init(&d, NULL, 0);
    d.fn = record;
    d.ctx = &s;
    yaml_document_t doc;
    CU_ASSERT_FATAL(ryaml_load(path, &doc, &d) == 0);
    int bad = ryaml_check_keys(&doc, yaml_document_get_root_node(&doc), POLICY_KEYS, path,
                               "policy", &d);
    CU_ASSERT_EQUAL(bad, 3);
    CU_ASSERT_EQUAL(s.n, 3);
    CU_ASSERT_EQUAL(s.line[0], 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.msg[0], "policy: unknown field \"sdk_catalog\" "
                                            "(did you mean \"sdk_catalogue\"? expected id,"));
    CU_ASSERT_EQUAL(s.line[1], 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.msg[1], "did you mean \"source\"?"));
    CU_ASSERT_EQUAL(s.line[2], 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.msg[2], "unknown field \"zzz\" (expected id, app,"));
    CU_ASSERT_PTR_NULL(strstr(s.msg[2], "did you mean"));
    /* Not a mapping: nothing to check. */
    CU_ASSERT_EQUAL(ryaml_check_keys(&doc, NULL, POLICY_KEYS, path, "policy", &d), 0);
    yaml_document_delete(&doc);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"suggest: typos and non-typos", test_suggest},
        {"check_keys: every unknown key, at its line", test_check_keys},
        {NULL, NULL},
    };
    return tu_run("rules_suggest", cases);
}
