/* hscache.c - see hscache.h. The file's payload is hs_serialize_database()'s output,
 * kept by diskcache.c. */
#include "rules/hscache.h"
#include "rules/diskcache.h"
#include "common/bigmem.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Everything that decides the compiled bytes: a database built by another Hyperscan
 * or for another CPU is another key, so it is never loaded here. */
static int hc_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                  unsigned n, unsigned mode, uint8_t key[32])
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    const char *ver = hs_version();
    uint32_t head[2] = {mode, n};
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, "LWHSDB1\n", 8) && EVP_DigestUpdate(c, ver, strlen(ver) + 1) &&
             EVP_DigestUpdate(c, &plat, sizeof plat) && EVP_DigestUpdate(c, head, sizeof head);
    for (unsigned i = 0; ok && i < n; i++) {
        /* length first, so expression boundaries cannot shift between keys */
        uint32_t rec[3] = {flags ? flags[i] : 0, ids ? ids[i] : 0, (uint32_t)strlen(exprs[i])};
        ok = EVP_DigestUpdate(c, rec, sizeof rec) && EVP_DigestUpdate(c, exprs[i], rec[2]);
    }
    ok = ok && EVP_DigestFinal_ex(c, key, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

static int hc_load(const char *dir, const uint8_t key[32], hs_database_t **db)
{
    size_t len;
    char *bytes = diskcache_load(dir, "hsdb", key, &len);
    int rc = bytes && hs_deserialize_database(bytes, len, db) == HS_SUCCESS ? 0 : -1;
    if (bytes)
        bigmem_free(bytes, len);
    return rc;
}

static int hc_store(const char *dir, const uint8_t key[32], const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return -1;
    int rc = diskcache_store(dir, "hsdb", key, bytes, len);
    free(bytes);
    return rc;
}

hs_error_t hscache_compile_multi(const char *dir, const char *const *exprs,
                                 const unsigned *flags, const unsigned *ids, unsigned n,
                                 unsigned mode, hs_database_t **db, hs_compile_error_t **cerr,
                                 enum hscache_how *how)
{
    uint8_t key[32];
    int cached = dir && hc_key(exprs, flags, ids, n, mode, key) == 0;
    enum hscache_how dummy;
    how = how ? how : &dummy;
    *how = HSCACHE_COMPILED;
    *cerr = NULL;
    if (cached && hc_load(dir, key, db) == 0) {
        *how = HSCACHE_LOADED;
        return HS_SUCCESS;
    }
    hs_error_t e = hs_compile_multi(exprs, flags, ids, n, mode, NULL, db, cerr);
    if (e == HS_SUCCESS && cached && hc_store(dir, key, *db) == 0)
        *how = HSCACHE_STORED;
    return e;
}
