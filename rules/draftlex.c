/* draftlex.c - see draftlex.h. Patterns are built as Hyperscan expressions from the
 * rule files, compiled once with hs_compile_multi(); hits are collected by the match
 * callback and then sorted and de-overlapped. */
#include "rules/draftlex.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/lwerr.h"
#include "rules/ryaml.h"

/* Phrases and names longer than this are not looked for: no policy writes them. */
#define DLX_MAX_PHRASE 160
#define DLX_KEYMAX 256

struct dlx_pat {
    const char *expr;
    unsigned flags;
    enum draftlex_kind kind;
    const char *target;
    int strength;
};

/* A candidate SDK name before de-duplication: one key may name one SDK only. */
struct dlx_name {
    const char *text, *key, *id;
    int strength;
    int ambiguous;
};

/* A hand-written catalogue entry's id and category (for draftlex_category()). */
struct dlx_sdk {
    const char *id, *category;
};

struct draftlex {
    struct rarena *arena;
    struct dlx_sdk *sdks;
    size_t nsdks;
    struct dlx_pat *pats;
    size_t n, cap;
    struct dlx_name *names;
    size_t nnames, capnames;
    hs_database_t *db;
    hs_scratch_t *scratch; /* prototype; each scan clones it */
};

#define DLX_FLAGS (HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST)

/* Headings of an SDK list, links to one held elsewhere, promised transforms. */
static const struct { const char *expr; enum draftlex_kind kind; const char *target; } fixed[] = {
    {"\\bappendix\\b", DLX_HEADING, NULL},
    {"\\bannex\\b", DLX_HEADING, NULL},
    {"third[\\s\\-]*party\\s+(SDKs?|software\\s+development\\s+kits?)", DLX_HEADING, NULL},
    {"\\bSDKs?\\s+(list|catalog|catalogue|directory|description|partners)", DLX_HEADING, NULL},
    {"第三方\\s*SDK", DLX_HEADING, NULL},
    {"SDK\\s*(清单|列表|目录|说明)", DLX_HEADING, NULL},
    {"第三方(信息)?共享清单", DLX_HEADING, NULL},
    {"附录|附件", DLX_HEADING, NULL},
    {"\\b(click|tap)\\b[^\\n.]{0,80}(third[\\s\\-]*party\\s+SDK|SDKs?\\s+(list|catalog|directory))",
     DLX_LINKED, NULL},
    {"(点击|查看)[^\\n。]{0,40}(第三方\\s*SDK|SDK\\s*(清单|列表|目录))", DLX_LINKED, NULL},
    {"\\bMD5\\b", DLX_TRANSFORM, "md5"},
    {"\\bSHA[\\s\\-]?1\\b", DLX_TRANSFORM, "sha1"},
    {"\\bSHA[\\s\\-]?256\\b", DLX_TRANSFORM, "sha256"},
    {"\\b(hash|hashed|hashing)\\b", DLX_TRANSFORM, "unnamed"},
    {"\\b(encrypt|encrypted|encrypting|encryption)\\b", DLX_TRANSFORM, "unnamed"},
    {"\\b(desensiti[sz]ed?|de-identified|anonymi[sz]ed?|pseudonymi[sz]ed?)\\b", DLX_TRANSFORM,
     "unnamed"},
    {"加密|脱敏|去标识化|匿名化|哈希", DLX_TRANSFORM, "unnamed"},
    {"^[^:：\\n]{0,40}(name|type|sdk|partner|provider|名称|合作方|第三方)[^:：\\n]{0,20}[:：]",
     DLX_LABEL, NULL},
    /* What an SDK is for, as a catalogue category: it tells "Tencent SDK" used for
     * "instant messaging" (tencent-im) from the other Tencent SDKs. */
    {"^[^:：\\n]{0,40}(\\b(usage|purposes?|uses?|functions?|functionality|scenarios?|scenes?)\\b"
     "|用途|目的|功能|场景)[^:：\\n]{0,20}[:：]", DLX_USE_LABEL, NULL},
    {"\\badverti[sz](ing|ements?|e)\\b|\\bads?\\b|\\bmoneti[sz]ation\\b|广告|变现", DLX_USE,
     "advertising"},
    {"\\bstatistic(s|al)?\\b|\\banalytics?\\b|\\banaly(sis|[sz]e|[sz]ing)\\b|统计|分析",
     DLX_USE, "analytics"},
    {"\\bcrash(es)?\\b|\\bbug\\s+report|崩溃|异常上报", DLX_USE, "crash_reporting"},
    {"\\bpush\\b|\\bnotifications?\\b|推送", DLX_USE, "push"},
    {"\\binstant\\s+messag(ing|es?)\\b|\\bIM\\b|\\bchat\\b|即时通[讯信]|聊天", DLX_USE, "messaging"},
    {"\\bmaps?\\b|\\blocation\\b|\\bpositioning\\b|\\bnavigation\\b|地图|定位|导航", DLX_USE,
     "maps"},
    {"\\bmaps?\\b|\\blocation\\b|\\bpositioning\\b|\\bnavigation\\b|地图|定位|导航", DLX_USE,
     "location"},
    {"\\bpay(ment|ments)?\\b|支付", DLX_USE, "payment"},
    {"\\blog[\\s\\-]?in\\b|\\bsign[\\s\\-]?in\\b|登录", DLX_USE, "login"},
    {"\\bshar(e|ing)\\b|\\bsocial\\b|分享", DLX_USE, "social"},
    {"\\baudio\\b|\\bvideo\\b|\\blive[\\s\\-]?stream|\\bRTC\\b|音视频|直播|语音", DLX_USE,
     "audio_video"},
    {"\\bcustomer\\s+service\\b|客服", DLX_USE, "customer_interaction"},
    {"\\b(cloud|object|file)\\s+storage\\b|云存储|对象存储", DLX_USE, "cloud"},
    {"\\b(collect(s|ed|ing|ion)?|obtain(s|ed|ing)?|gather(s|ed|ing)?|acquir(e|es|ed|ing)|"
     "record(s|ed|ing)?|receiv(e|es|ed|ing)|read(s|ing)?|access(es|ed|ing)?|"
     "provid(e|es|ed|ing)|upload(s|ed|ing)?|request(s|ed|ing)?|requir(e|es|ed|ing)|"
     "retriev(e|es|ed|ing)|stor(e|es|ed|ing)|keep(s|ing)?|kept|fill\\s+in|"
     "information\\s+(type|involved)|fields)\\b|收集|获取|采集|读取|记录|提供|访问|上传|调用|"
     "信息类型|收集信息|个人信息字段", DLX_COLLECT, NULL},
    {"\\b(not|never|no\\s+longer)\\s+(\\w+\\s+){0,2}?(collect(s|ed|ing)?|obtain(s|ed|ing)?|"
     "gather(s|ed|ing)?|acquir(e|es|ed|ing)|access(es|ed|ing)?|read(s|ing)?|record(s|ed|ing)?|"
     "request(s|ed|ing)?|upload(s|ed|ing)?|transmit(s|ted|ting)?|track(s|ed|ing)?)\\b|"
     "n['’]t\\s+(\\w+\\s+){0,2}?(collect|obtain|gather|acquire|access|read|record|request|"
     "upload|transmit|track)\\b|"
     "(不|未|无需|不会|不再|不得|不予|不主动|不会主动)(收集|获取|采集|读取|调用|访问|上传|记录)",
     DLX_NEGATION, NULL},
    {"\\b(but|however|except|excluding|other\\s+than|apart\\s+from|unless|only)\\b|但|除|仅",
     DLX_CONTRAST, NULL},
    {"\\bif\\s+you\\b|\\bif\\s+(authori[sz]ed|permitted|enabled|allowed)\\b|"
     "\\bonly\\s+(if|when|after|with)\\b|\\bunless\\s+you\\b|\\bshould\\s+you\\b|"
     "\\bin\\s+case\\s+you\\b|\\bwith\\s+your\\s+(\\w+\\s+){0,2}?(consent|permission|"
     "authori[sz]ation)\\b|\\bwhen\\s+you\\s+(choose|enable|turn\\s+on|allow|agree|"
     "authori[sz]e|opt)|\\bupon\\s+your\\s+(consent|permission|authori[sz]ation)\\b|"
     "如您|如果您|若您|在您(同意|授权|开启|允许)|经您(同意|授权|允许)|征得您.{0,6}同意|"
     "您(同意|授权|开启|允许).{0,10}后", DLX_CONDITION, NULL},
    {"\\bcontact\\s+us\\b|\\b(send|write)\\s+(\\w+\\s+){0,2}?(e-?mail|letter)s?\\s+to\\b|"
     "\\bwrite\\s+to\\s+us\\b|\\b(e-?mail|call)\\s+us\\b|\\bour\\s+contact\\b|联系我们",
     DLX_OURS, NULL},
    {"\\b(refers?\\s+to|means|is\\s+defined\\s+as)\\b|是指|指的是", DLX_DEFINE, NULL},
    {"\\bthird[\\s\\-]*part(y|ies)\\b|\\bdefinitions?\\b|\\bglossary\\b|第三方|释义|定义",
     DLX_XSECTION, NULL},
};

/* Words that say what an SDK does, not which one it is: stripped from the end of a
 * catalogue name's part and never used alone as a name. */
static const char *const generic_words[] = {
    "sdk", "sdks", "ads", "ad", "push", "analytics", "api", "apis", "open", "platform",
    "mobile", "service", "services", "kit", "library", "agent", "the", "and", "china",
    "cloud", "live", "app", "apps", "video", "login", "statistics", "crash", "reporting",
    "aggregation", "aggregated", "mediation", "union", "alliance", "chat", "player", "id",
    "data", "log", "storage", "payment", "real", "time", "audio", "attribution", "http",
    "client", "google", "tencent", "baidu", "alibaba", "amazon", NULL};

static int is_generic(const char *w, size_t l)
{
    for (int i = 0; generic_words[i]; i++)
        if (strlen(generic_words[i]) == l && ascii_ieq(w, generic_words[i], l))
            return 1;
    return 0;
}

static int is_sep(unsigned char c)
{
    return c == ' ' || c == '-' || c == '_' || c == '\t';
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The ontology's comparison key: ASCII lower case, separators dropped. */
static int norm_key(const char *in, size_t len, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_sep(c) || c == '.')
            continue;
        if (j + 1 >= outlen)
            return 0;
        out[j++] = (char)ascii_lower(c);
    }
    out[j] = '\0';
    return j > 0;
}

/* A Hyperscan expression matching text literally, separators optional and
 * interchangeable ("Android ID" = "Android_ID" = "AndroidID"), with word boundaries
 * where the text starts or ends with an ASCII letter or digit (when asked).
 * opt_s: a final "s" is optional ("Google Play Service" for "... services"). */
static const char *lit_expr(struct rarena **a, const char *text, size_t len, int left_b,
                            int right_b, int opt_s)
{
    char buf[DLX_MAX_PHRASE * 12 + 32];
    size_t j = 0;
    if (len == 0 || len > DLX_MAX_PHRASE)
        return NULL;
    if (left_b && is_alnum((unsigned char)text[0]))
        j += (size_t)snprintf(buf + j, sizeof buf - j, "\\b");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (is_sep(c)) {
            if (i == 0 || !is_sep((unsigned char)text[i - 1]))
                j += (size_t)snprintf(buf + j, sizeof buf - j, "[\\s\\-_]*");
        } else if (is_alnum(c) || c >= 0x80) {
            buf[j++] = (char)c;
            if (opt_s && i + 1 == len && (c == 's' || c == 'S'))
                buf[j++] = '?';
        } else {
            j += (size_t)snprintf(buf + j, sizeof buf - j, "\\x%02x", c);
        }
    }
    if (right_b && is_alnum((unsigned char)text[len - 1]))
        j += (size_t)snprintf(buf + j, sizeof buf - j, "\\b");
    buf[j] = '\0';
    return rarena_strdup(a, buf);
}

static int add_pat(draftlex_t *lx, const char *expr, unsigned flags, enum draftlex_kind kind,
                   const char *target, int strength)
{
    if (!expr)
        return 0; /* not expressible (too long, empty): not looked for */
    if (lx->n == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 256;
        struct dlx_pat *nv = realloc(lx->pats, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        lx->pats = nv;
        lx->cap = cap;
    }
    lx->pats[lx->n++] = (struct dlx_pat){expr, flags, kind, target, strength};
    return 0;
}

/* Ontology synonyms and vague phrases, as written. */
static int add_types(draftlex_t *lx, const ontology_t *ont)
{
    for (size_t i = 0; i < ontology_nphrases(ont); i++) {
        enum ont_kind kind;
        const char *canon;
        const char *text = ontology_phrase(ont, i, &kind, &canon);
        const char *e = text ? lit_expr(&lx->arena, text, strlen(text), 1, 1, 0) : NULL;
        int rc = add_pat(lx, e, DLX_FLAGS, kind == ONT_VAGUE ? DLX_VAGUE : DLX_TYPE, canon, 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int add_name(draftlex_t *lx, const char *text, size_t len, const char *id, int strength)
{
    char key[DLX_KEYMAX];
    while (len && is_sep((unsigned char)text[len - 1]))
        len--;
    while (len && is_sep((unsigned char)text[0]))
        text++, len--;
    if (!norm_key(text, len, key, sizeof key) || strlen(key) < 2 || len > DLX_MAX_PHRASE)
        return 0;
    for (size_t i = 0; i < lx->nnames; i++) {
        struct dlx_name *o = &lx->names[i];
        if (strcmp(o->key, key) != 0)
            continue;
        /* One key, two SDKs: the stronger claim wins ("WeChat" is the WeChat SDK's
         * name before it is the first word of "WeChat location SDK"); equal claims
         * name neither. */
        if (strength > o->strength) {
            o->id = id;
            o->strength = strength;
            o->ambiguous = 0;
        } else if (strength == o->strength && strcmp(o->id, id) != 0) {
            o->ambiguous = 1;
        }
        return 0;
    }
    if (lx->nnames == lx->capnames) {
        size_t cap = lx->capnames ? lx->capnames * 2 : 256;
        struct dlx_name *nv = realloc(lx->names, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        lx->names = nv;
        lx->capnames = cap;
    }
    char *t = rarena_alloc(&lx->arena, len + 1);
    const char *k = rarena_strdup(&lx->arena, key);
    if (!t || !k)
        return LW_ERR_NOMEM;
    memcpy(t, text, len);
    t[len] = '\0';
    lx->names[lx->nnames++] = (struct dlx_name){t, k, id, strength, 0};
    return 0;
}

/* Word [*w, *w + *l) of s[0, len) after position *pos (words are split at spaces). */
static int next_word(const char *s, size_t len, size_t *pos, const char **w, size_t *l)
{
    size_t i = *pos;
    while (i < len && s[i] == ' ')
        i++;
    if (i >= len)
        return 0;
    size_t j = i;
    while (j < len && s[j] != ' ')
        j++;
    *w = s + i;
    *l = j - i;
    *pos = j;
    return 1;
}

/* One part of a catalogue name ("Getui push SDK"): the part itself (strength 3), the
 * part without its trailing generic words ("Getui": 2) and, for a main part, its first
 * word when it is distinctive (1). Parts of generic words only ("crash reporting")
 * name nothing. */
static int part_names(draftlex_t *lx, const char *p, size_t len, const char *id, int main)
{
    const char *w, *first = NULL, *last_kept = NULL;
    size_t l, firstl = 0, last_kept_l = 0, pos = 0, words = 0, kept_words = 0;
    int rc;
    while (next_word(p, len, &pos, &w, &l)) {
        if (!first) {
            first = w;
            firstl = l;
        }
        words++;
        if (!is_generic(w, l)) {
            last_kept = w;
            last_kept_l = l;
            kept_words = words;
        }
    }
    if (!last_kept)
        return 0;
    if ((rc = add_name(lx, p, len, id, 3)) < 0)
        return rc;
    size_t stripped = (size_t)(last_kept + last_kept_l - p);
    if (kept_words < words && (rc = add_name(lx, p, stripped, id, 2)) < 0)
        return rc;
    int caps = firstl >= 2;
    for (size_t i = 0; i < firstl; i++)
        caps &= (first[i] >= 'A' && first[i] <= 'Z');
    if (main && words > 1 && !is_generic(first, firstl) && (firstl >= 4 || caps))
        return add_name(lx, first, firstl, id, 1);
    return 0;
}

/* Split a catalogue name at "(", ")", ",", ";" and " / " into parts; the parts outside
 * parentheses are main parts. */
static int entry_parts(draftlex_t *lx, const char *name, const char *id)
{
    size_t n = strlen(name), start = 0;
    int depth = 0, rc;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? name[i] : '\0';
        int slash = c == '/' && i > 0 && name[i - 1] == ' ' && i + 1 < n && name[i + 1] == ' ';
        if (c && c != '(' && c != ')' && c != ',' && c != ';' && !slash)
            continue;
        if (i > start && (rc = part_names(lx, name + start, i - start, id, depth == 0)) < 0)
            return rc;
        if (c == '(')
            depth++;
        else if (c == ')' && depth)
            depth--;
        start = i + 1;
    }
    return 0;
}

/* Every name of every catalogue entry, de-duplicated, as patterns. */
static int add_sdk_names(draftlex_t *lx, const catalog_t *cat)
{
    int rc;
    if (!(lx->sdks = calloc(catalog_count(cat) + 1, sizeof *lx->sdks)))
        return LW_ERR_NOMEM;
    for (size_t i = 0; i < catalog_count(cat); i++) {
        const struct sdk_entry *e = catalog_entry(cat, i);
        /* Only the hand-written entries: thousands of imported tracker names (many
         * of them common words) would start false SDK entries and slow the lexicon. */
        if (e->imported)
            continue;
        lx->sdks[lx->nsdks++] = (struct dlx_sdk){e->id, e->category};
        /* An id is a key, not a name a policy writes: weaker than the name. */
        if ((rc = add_name(lx, e->id, strlen(e->id), e->id, 2)) < 0 ||
            (rc = add_name(lx, e->name, strlen(e->name), e->id, 3)) < 0 ||
            (rc = entry_parts(lx, e->name, e->id)) < 0)
            return rc;
        /* The entry's own aliases: names merged in from imported lists ("OPPO",
         * "Facebook CDN") are a tracker list's labels, not names policies write. */
        for (size_t k = 0; k < e->n_own_aliases; k++)
            if ((rc = add_name(lx, e->aliases[k], strlen(e->aliases[k]), e->id, 3)) < 0)
                return rc;
    }
    for (size_t i = 0; i < lx->nnames; i++) {
        const struct dlx_name *nm = &lx->names[i];
        size_t l = strlen(nm->text);
        if (nm->ambiguous)
            continue;
        /* Short names need a boundary on the right too; longer ones not, because
         * flattened tables glue cells ("Facebook SDKFacebook live"). */
        const char *e = lit_expr(&lx->arena, nm->text, l, 1, l <= 3, l >= 5);
        if ((rc = add_pat(lx, e, DLX_FLAGS, DLX_SDK, nm->id, nm->strength)) < 0)
            return rc;
    }
    return 0;
}

static int compile(draftlex_t *lx, char *err, size_t errlen)
{
    const char **ex = malloc(lx->n * sizeof *ex);
    unsigned *flags = malloc(lx->n * sizeof *flags), *ids = malloc(lx->n * sizeof *ids);
    hs_compile_error_t *cerr = NULL;
    int rc = 0;
    if (!ex || !flags || !ids) {
        rc = LW_ERR_NOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < lx->n; i++) {
        ex[i] = lx->pats[i].expr;
        flags[i] = lx->pats[i].flags;
        ids[i] = (unsigned)i;
    }
    if (hs_compile_multi(ex, flags, ids, (unsigned)lx->n, HS_MODE_BLOCK, NULL, &lx->db,
                         &cerr) != HS_SUCCESS) {
        int bad = cerr && cerr->expression >= 0 ? cerr->expression : -1;
        snprintf(err, errlen, "draft lexicon: pattern %s: %s", bad >= 0 ? ex[bad] : "?",
                 cerr ? cerr->message : "compile failed");
        hs_free_compile_error(cerr);
        rc = LW_ERR_LIB;
        goto out;
    }
    if (hs_alloc_scratch(lx->db, &lx->scratch) != HS_SUCCESS) {
        snprintf(err, errlen, "draft lexicon: cannot allocate Hyperscan scratch");
        rc = LW_ERR_NOMEM;
    }
out:
    free(ex);
    free(flags);
    free(ids);
    return rc;
}

int draftlex_new(const ontology_t *ont, const catalog_t *cat, draftlex_t **out, char *err,
                 size_t errlen)
{
    int rc = LW_ERR_NOMEM;
    draftlex_t *lx = calloc(1, sizeof *lx);
    *out = NULL;
    if (!lx)
        goto nomem;
    /* A link sentence is quoted whole (draft.c finds it from the match end) and a label
     * is used by its colon, so their long patterns go without start of match, which
     * Hyperscan refuses them. Labels start a line (multi-line '^'). */
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        enum draftlex_kind k = fixed[i].kind;
        if (add_pat(lx, fixed[i].expr,
                    k == DLX_LINKED || k >= DLX_COLLECT ? DLX_FLAGS & ~HS_FLAG_SOM_LEFTMOST
                    : k == DLX_LABEL || k == DLX_USE_LABEL
                        ? (DLX_FLAGS & ~HS_FLAG_SOM_LEFTMOST) | HS_FLAG_MULTILINE
                        : DLX_FLAGS,
                    k, fixed[i].target, 0) < 0)
            goto nomem;
    }
    /* Names the catalogue lacks: capitalised words before "SDK" (case matters here). */
    if (add_pat(lx, "\\b[A-Z][A-Za-z0-9\\-]*( [A-Z][A-Za-z0-9\\-]*){0,3} SDK",
                HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST, DLX_UNKNOWN_SDK, NULL, 0) < 0 ||
        add_pat(lx, "[\\x{4e00}-\\x{9fff}A-Za-z0-9]{2,12}SDK", DLX_FLAGS, DLX_UNKNOWN_SDK,
                NULL, 0) < 0)
        goto nomem;
    if (add_types(lx, ont) < 0 || (cat && add_sdk_names(lx, cat) < 0))
        goto nomem;
    if ((rc = compile(lx, err, errlen)) < 0)
        goto fail;
    *out = lx;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory building the draft lexicon");
fail:
    draftlex_free(lx);
    return rc;
}

void draftlex_free(draftlex_t *lx)
{
    if (!lx)
        return;
    hs_free_scratch(lx->scratch);
    hs_free_database(lx->db);
    free(lx->pats);
    free(lx->names);
    free(lx->sdks);
    rarena_free(lx->arena);
    free(lx);
}

size_t draftlex_candidates(const draftlex_t *lx, const char *name, size_t len,
                           const char **ids, size_t max)
{
    char key[DLX_KEYMAX];
    size_t w = 0, n = 0;
    while (w < len && name[w] != ' ' && w < 64)
        w++;
    /* Vendor words ("Tencent", "Baidu") are generic as names but good leads here. */
    static const char *const weak[] = {"sdk", "the", "this", "our", "other", "third",
                                       "mobile", "open", "cloud", "push", "ads", "app", NULL};
    int stop = w < 3;
    for (int i = 0; weak[i] && !stop; i++)
        stop = strlen(weak[i]) == w && ascii_ieq(name, weak[i], w);
    if (stop || !norm_key(name, w, key, sizeof key))
        return 0;
    size_t kl = strlen(key);
    for (size_t i = 0; i < lx->nnames && n < max; i++) {
        const struct dlx_name *nm = &lx->names[i];
        size_t k = 0;
        if (strncmp(nm->key, key, kl) != 0)
            continue;
        while (k < n && strcmp(ids[k], nm->id) != 0)
            k++;
        if (k == n)
            ids[n++] = nm->id;
    }
    return n;
}

const char *draftlex_category(const draftlex_t *lx, const char *id)
{
    for (size_t i = 0; lx && id && i < lx->nsdks; i++)
        if (strcmp(lx->sdks[i].id, id) == 0)
            return lx->sdks[i].category;
    return NULL;
}

size_t draftlex_npatterns(const draftlex_t *lx)
{
    return lx ? lx->n : 0;
}

struct scan_ctx {
    const draftlex_t *lx;
    struct draftlex_hit *v;
    size_t n, cap;
    int full;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    struct scan_ctx *c = ctx;
    (void)flags;
    if (c->n == c->cap) {
        if (c->cap >= DRAFTLEX_MAX_HITS) {
            c->full = 1;
            return 1; /* stop the scan */
        }
        size_t cap = c->cap ? c->cap * 2 : 1024;
        struct draftlex_hit *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv)
            return 1;
        c->v = nv;
        c->cap = cap;
    }
    const struct dlx_pat *p = &c->lx->pats[id];
    if (!(p->flags & HS_FLAG_SOM_LEFTMOST) && to > 0)
        from = to - 1; /* no start reported: the hit is its last byte */
    c->v[c->n++] = (struct draftlex_hit){(size_t)from, (size_t)to, p->kind, p->target,
                                         p->strength};
    return 0;
}

/* By start, then the longest first, then the strongest name first. */
static int cmp_hit(const void *a, const void *b)
{
    const struct draftlex_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return y->strength - x->strength;
}

static int phrase_kind(enum draftlex_kind k)
{
    return k == DLX_TYPE || k == DLX_VAGUE;
}

/* Keep, in sorted v, the leftmost-longest hits of each class that overlap no kept hit
 * of their class: phrases, catalogue SDK names, then unknown SDK names (which also
 * give way to catalogue names). Other kinds are all kept. Returns the new count. */
static size_t resolve(struct draftlex_hit *v, size_t n)
{
    size_t phrase_end = 0, sdk_end = 0, unk_end = 0, j = 0;
    /* Pass 1 decides phrases and catalogue names; pass 2 unknown names against them. */
    char *keep = calloc(n ? n : 1, 1);
    if (!keep)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (phrase_kind(v[i].kind)) {
            if (v[i].start >= phrase_end && (keep[i] = 1))
                phrase_end = v[i].end;
        } else if (v[i].kind == DLX_SDK) {
            if (v[i].start >= sdk_end && (keep[i] = 1))
                sdk_end = v[i].end;
        } else if (v[i].kind != DLX_UNKNOWN_SDK) {
            keep[i] = 1;
        }
    }
    /* Kept catalogue names are sorted and disjoint, so their ends rise with their
     * starts and one forward pointer finds the one an unknown name may overlap. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != DLX_UNKNOWN_SDK || v[i].start < unk_end)
            continue;
        while (k < n && (!keep[k] || v[k].kind != DLX_SDK || v[k].end <= v[i].start))
            k++;
        if (k < n && v[k].start < v[i].end)
            continue;
        keep[i] = 1;
        unk_end = v[i].end;
    }
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            v[j++] = v[i];
    free(keep);
    return j;
}

int draftlex_scan(const draftlex_t *lx, const char *text, size_t len,
                  struct draftlex_hit **hits, size_t *n, char *err, size_t errlen)
{
    struct scan_ctx c = {lx, NULL, 0, 0, 0};
    hs_scratch_t *s = NULL;
    *hits = NULL;
    *n = 0;
    if (len > 0xffffffffu) {
        snprintf(err, errlen, "text too large to scan");
        return LW_ERR_INVAL;
    }
    if (hs_clone_scratch(lx->scratch, &s) != HS_SUCCESS) {
        snprintf(err, errlen, "cannot allocate Hyperscan scratch");
        return LW_ERR_NOMEM;
    }
    hs_error_t e = hs_scan(lx->db, text, (unsigned)len, 0, s, on_match, &c);
    hs_free_scratch(s);
    if (c.full) {
        snprintf(err, errlen, "more than %d phrase matches: not a privacy policy text",
                 DRAFTLEX_MAX_HITS);
        free(c.v);
        return LW_ERR_FULL;
    }
    if (e != HS_SUCCESS) {
        snprintf(err, errlen, e == HS_SCAN_TERMINATED ? "out of memory scanning the text"
                                                      : "Hyperscan scan failed (%d)", (int)e);
        free(c.v);
        return e == HS_SCAN_TERMINATED ? LW_ERR_NOMEM : LW_ERR_LIB;
    }
    if (c.n) {
        qsort(c.v, c.n, sizeof *c.v, cmp_hit);
        size_t m = resolve(c.v, c.n);
        if (m == 0) { /* resolve() could not allocate */
            free(c.v);
            snprintf(err, errlen, "out of memory");
            return LW_ERR_NOMEM;
        }
        c.n = m;
    }
    *hits = c.v;
    *n = c.n;
    return 0;
}
