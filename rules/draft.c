/* draft.c - see draft.h. The text is scanned once (draftlex_scan); everything after
 * works on the sorted hits and a line index, so the cost is one Hyperscan pass plus
 * work linear in the hits and lines. Output and comparison are in draftout.c. */
#include "rules/draft.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/lwerr.h"
#include "rules/draft_int.h"

/* Clauses are cut beyond this many bytes (marked "..."): a reviewer reads them. */
#define DRAFT_MAX_CLAUSE 1200
/* An excerpt keeps this much context before the first hit and after the last. */
#define DRAFT_CTX_BEFORE 60
#define DRAFT_CTX_AFTER 40

/* What draft_build works on. */
struct build {
    struct draft *d;
    struct draft_text t;
    const struct draftlex_hit *h;
    size_t nh;
    const ontology_t *ont;
    const draftlex_t *lx;
    unsigned char *has_phrase; /* per line: a type or vague phrase is named on it */
    unsigned char *in_span;    /* per line: inside an SDK entry */
    unsigned char *other;      /* per line: in a section about others (third parties,
                                  definitions): no first-party collection */
};

/* What the text says of one named type, as far as words can tell. */
enum stance {
    ST_SAID = 0,   /* named, nothing qualifies it */
    ST_COND,       /* named under a condition ("if you choose to", "如您") */
    ST_NEGATED,    /* "we do not collect X", "不会收集" */
    ST_NOT_OURS,   /* first party only: named, but not as something collected (no
                      collection word, a definition, our own contact details, a section
                      about third parties) */
};

int sset_add(struct sset *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], v) == 0)
            return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        const char **nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

int sset_has(const struct sset *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], v) == 0)
            return 1;
    return 0;
}

/* Append len bytes to b, keeping b NUL-terminated; past DRAFT_MAX_CLAUSE only a final
 * " ..." is added once. */
static int sbuf_add(struct sbuf *b, const char *s, size_t len)
{
    if (b->n >= DRAFT_MAX_CLAUSE) {
        if (b->cut)
            return 0;
        b->cut = 1;
        s = " ...";
        len = 4;
    }
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return LW_ERR_NOMEM;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return 0;
}

/* Line index: start offsets of every line. */
static int index_lines(struct draft_text *t, char *err, size_t errlen)
{
    size_t n = 1;
    for (const char *p = t->s; (p = memchr(p, '\n', (size_t)(t->s + t->len - p))); p++)
        n++;
    if (n > DRAFT_MAX_LINES) {
        snprintf(err, errlen, "%zu lines: more than %u, not a privacy policy text", n,
                 DRAFT_MAX_LINES);
        return LW_ERR_FULL;
    }
    if (!(t->line = malloc(n * sizeof *t->line))) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    t->line[0] = 0;
    t->nlines = 1;
    for (size_t i = 0; i < t->len; i++)
        if (t->s[i] == '\n')
            t->line[t->nlines++] = (uint32_t)(i + 1);
    return 0;
}

static size_t line_of(const struct draft_text *t, size_t pos)
{
    size_t lo = 0, hi = t->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->line[mid] <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static size_t line_start(const struct draft_text *t, size_t l)
{
    return l < t->nlines ? t->line[l] : t->len;
}

/* End of line l, before its '\n'. */
static size_t line_end(const struct draft_text *t, size_t l)
{
    return l + 1 < t->nlines ? t->line[l + 1] - 1 : t->len;
}

/* Move pos back (dir < 0) or forward to the start of a UTF-8 character. */
static size_t utf8_snap(const char *s, size_t len, size_t pos, int dir)
{
    while (pos > 0 && pos < len && ((unsigned char)s[pos] & 0xc0) == 0x80)
        pos = dir < 0 ? pos - 1 : pos + 1;
    return pos;
}

/* Append to b the exact text of [from, to) of line l widened by some context, with
 * "..." where the line was cut, after sep when b is not empty. */
static int clause_excerpt(struct sbuf *b, const struct draft_text *t, size_t l, size_t from,
                   size_t to, const char *sep)
{
    size_t ls = line_start(t, l), le = line_end(t, l);
    size_t a = from > ls + DRAFT_CTX_BEFORE ? from - DRAFT_CTX_BEFORE : ls;
    size_t z = to + DRAFT_CTX_AFTER < le ? to + DRAFT_CTX_AFTER : le;
    a = utf8_snap(t->s, t->len, a, 1);
    z = utf8_snap(t->s, t->len, z, -1);
    while (a < z && (t->s[a] == ' ' || t->s[a] == '\t'))
        a++;
    while (z > a && (t->s[z - 1] == ' ' || t->s[z - 1] == '\t'))
        z--;
    int rc = 0;
    if (b->n && (rc = sbuf_add(b, sep, strlen(sep))) < 0)
        return rc;
    if (a > ls && (rc = sbuf_add(b, "...", 3)) < 0)
        return rc;
    if ((rc = sbuf_add(b, t->s + a, z - a)) < 0)
        return rc;
    if (z < le && (rc = sbuf_add(b, "...", 3)) < 0)
        return rc;
    return 0;
}

/* 1 when what follows an SDK name closes it as a list item would: "SDK", "(", ":",
 * the end of the line, or a capital right after it (a flattened table glues cells:
 * "Tencent BuglyStatistics of App crashes"). "Adjust advertising ..." is prose. */
static int name_closed(const struct draft_text *t, size_t end)
{
    size_t le = line_end(t, line_of(t, end > 0 ? end - 1 : 0)), i = end;
    if (i < le && t->s[i] >= 'A' && t->s[i] <= 'Z')
        return 1;
    while (i < le && t->s[i] == ' ')
        i++;
    if (i == le || t->s[i] == '(' || t->s[i] == ':' || t->s[i] == ',' || t->s[i] == '-' ||
        t->s[i] == '[' || t->s[i] == '|' || t->s[i] == '\t')
        return 1;
    if (le - i >= 3 && (memcmp(t->s + i, "（", 3) == 0 || memcmp(t->s + i, "：", 3) == 0))
        return 1;
    /* "WeChat Video Live SDK": the name goes on to "SDK" within a few words. */
    for (size_t k = i; k + 3 <= le && k < i + 24; k++) {
        if (t->s[k] == ',' || t->s[k] == '.' || t->s[k] == ';')
            return 0;
        if (ascii_ieq(t->s + k, "SDK", 3))
            return 1;
    }
    return 0;
}

/* 1 when the SDK name of hit i starts an entry: it follows a label naming the SDK
 * ("Partner Name:", "SDK名称：", a DLX_LABEL hit of its line, the name within 40 bytes
 * of the colon), or it opens its line (after bullets or numbering only) and is closed as
 * a list item's name is (name_closed). */
static int starts_entry(const struct build *b, size_t i)
{
    const struct draftlex_hit *h = &b->h[i];
    size_t ls = line_start(&b->t, line_of(&b->t, h->start)), n = h->start - ls;
    const char *p = b->t.s + ls;
    int letters = 0;
    for (size_t k = 0; k < n; k++)
        letters |= (p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z';
    if (!letters && n <= 12)
        return name_closed(&b->t, h->end);
    for (size_t k = i; k-- > 0 && b->h[k].start >= ls;)
        if (b->h[k].kind == DLX_LABEL && b->h[k].end <= h->start &&
            h->start - b->h[k].end <= 40)
            return 1;
    return 0;
}

/* 1 for a line that reads as a heading: short, no colon, no closing punctuation. */
static int heading_like(const struct draft_text *t, size_t l)
{
    size_t ls = line_start(t, l), le = line_end(t, l), n = le - ls;
    const char *p = t->s + ls;
    if (n < 3 || n > 80 || memchr(p, ':', n))
        return 0;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(p + i, "：", 3) == 0)
            return 0;
    char c = p[n - 1];
    return !(c == '.' || c == ',' || c == ';' || c == ')' || c == ']' ||
             (n >= 3 && (memcmp(p + n - 3, "。", 3) == 0 || memcmp(p + n - 3, "，", 3) == 0)));
}

static int blank_line(const struct draft_text *t, size_t l)
{
    for (size_t i = line_start(t, l); i < line_end(t, l); i++)
        if (t->s[i] != ' ' && t->s[i] != '\t')
            return 0;
    return 1;
}



/* First hit starting at or after pos. */
static size_t hit_at(const struct build *b, size_t pos)
{
    size_t lo = 0, hi = b->nh;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->h[mid].start < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* "Third-party SDK", "The SDK", "第三方SDK": words about SDKs that name none. */
static int generic_unknown(const char *s, size_t n)
{
    static const char *const inside[] = {"third", "party", "第三方", "相关", "以下", "上述",
                                         "该", "本", NULL};
    static const char *const first[] = {"the ", "this ", "our ", "other ", "relevant ",
                                        "embedded ", "such ", "an ", "a ", "each ", "any ",
                                        "all ", "these ", NULL};
    char low[160];
    if (n >= sizeof low)
        return 1;
    ascii_lower_copy(low, s, n);
    low[n] = '\0';
    for (int i = 0; inside[i]; i++)
        if (strstr(low, inside[i]))
            return 1;
    for (int i = 0; first[i]; i++)
        if (strncmp(low, first[i], strlen(first[i])) == 0)
            return 1;
    return 0;
}

/* Lines where entries start: an SDK name that starts its line (starts_entry) in an SDK
 * list, i.e. within DRAFT_SECTION_GAP lines of a heading or of the previous entry.
 * Fills ent[] with hit indices (one per line); returns the count. */
static size_t find_entries(const struct build *b, size_t *ent)
{
    size_t n = 0, anchor = SIZE_MAX, last_line = SIZE_MAX;
    for (size_t i = 0; i < b->nh; i++) {
        const struct draftlex_hit *h = &b->h[i];
        size_t l = line_of(&b->t, h->start);
        if (h->kind == DLX_HEADING && line_end(&b->t, l) - line_start(&b->t, l) <= 160) {
            anchor = l;
            continue;
        }
        if (h->kind != DLX_SDK && h->kind != DLX_UNKNOWN_SDK)
            continue;
        if (anchor == SIZE_MAX || l - anchor > DRAFT_SECTION_GAP || l == last_line ||
            !starts_entry(b, i))
            continue;
        if (h->kind == DLX_UNKNOWN_SDK && generic_unknown(b->t.s + h->start, h->end - h->start))
            continue;
        ent[n++] = i;
        anchor = last_line = l;
    }
    return n;
}

/* The line after an entry's last line. Inside a list the next entry ends it; the last
 * entry of a list (no other within DRAFT_MAX_ENTRY_LINES) ends at a blank line, a
 * heading-like line naming no type, or DRAFT_MAX_ENTRY_LINES lines on. */
static size_t entry_end(const struct build *b, size_t l, size_t next_entry_line)
{
    size_t lim = l + 1 + DRAFT_MAX_ENTRY_LINES;
    if (lim > b->t.nlines)
        lim = b->t.nlines;
    if (next_entry_line < lim)
        return next_entry_line;
    for (size_t k = l + 1; k < lim; k++)
        if (blank_line(&b->t, k) || (heading_like(&b->t, k) && !b->has_phrase[k]))
            return k;
    return lim;
}

/* Entry i of d for the SDK of hit h, merged with an earlier one for the same SDK. */
static struct draft_entry *entry_for(struct build *b, const struct draftlex_hit *h)
{
    struct draft *d = b->d;
    size_t nl = h->end - h->start;
    for (size_t i = 0; i < d->n; i++) {
        struct draft_entry *e = &d->e[i];
        if (h->target ? (e->sdk && strcmp(e->sdk, h->target) == 0)
                      : (!e->sdk && strlen(e->name) == nl &&
                         ascii_ieq(e->name, b->t.s + h->start, nl)))
            return e;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct draft_entry *nv = realloc(d->e, cap * sizeof *nv);
        if (!nv)
            return NULL;
        d->e = nv;
        d->cap = cap;
    }
    struct draft_entry *e = &d->e[d->n];
    memset(e, 0, sizeof *e);
    if (!(e->name = strndup(b->t.s + h->start, nl)))
        return NULL;
    e->sdk = h->target;
    d->n++;
    return e;
}

/* Confidence of an entry: how surely the name is that SDK, less when nothing it
 * receives was found (the fields may be where the draft did not look). */
static double entry_confidence(const struct draftlex_hit *h, const struct draft_entry *e)
{
    double c = h->kind == DLX_UNKNOWN_SDK ? 0.3 : h->strength >= 3 ? 0.9
               : h->strength == 2 ? 0.8 : 0.6;
    if (!e->types.n && !e->vague.n)
        c -= 0.1;
    return c;
}

/* 1 when hit i is a category that only introduces a list of its leaves: "device
 * identifiers (IMEI, OAID)" declares imei and oaid, not every device identifier, while
 * "unique device identifier, IMEI" declares both. */
static int list_header(const struct build *b, size_t i)
{
    const struct draftlex_hit *h = &b->h[i], *nx = NULL;
    if (h->kind != DLX_TYPE || !b->ont)
        return 0;
    const char *cat = ontology_category_of(b->ont, h->target);
    if (!cat || strcmp(cat, h->target) != 0)
        return 0; /* a leaf */
    for (size_t k = i + 1; k < b->nh && !nx; k++)
        if (b->h[k].kind == DLX_TYPE || b->h[k].kind == DLX_VAGUE)
            nx = &b->h[k];
    if (!nx || nx->kind != DLX_TYPE || nx->start < h->end || nx->start - h->end > 40)
        return 0;
    const char *leaf_cat = ontology_category_of(b->ont, nx->target);
    if (!leaf_cat || strcmp(leaf_cat, cat) != 0 || strcmp(nx->target, cat) == 0)
        return 0;
    /* The list must open right after the category; inside it anything goes ("device
     * identifiers (for Android device, such as IMEI"). */
    for (size_t p = h->end; p < nx->start; p++) {
        char c = b->t.s[p];
        if (c == '(' || c == ':' || c == '[' ||
            (p + 3 <= nx->start && (memcmp(b->t.s + p, "（", 3) == 0 ||
                                    memcmp(b->t.s + p, "：", 3) == 0)))
            return 1;
        if (c != ' ' && c != '`')
            return 0;
    }
    return 0;
}

/* A sentence reaches at most this far either side of a type: longer "sentences" are
 * tables or hostile input, and the bound keeps the work per type hit constant. */
#define DRAFT_SENTENCE_REACH 600

/* The sentence around pos within its line, [*a, *z): from after the previous ". ",
 * "。", "!", "?" (and ";", "；" when semis) up to the next, DRAFT_SENTENCE_REACH at
 * most either side. */
/* 1 when a sentence ends at byte p of [.., lim): ". ", "!", "?", "。", "！", "？", and
 * ";", "；" when semis. */
static int sentence_stop(const struct draft_text *t, size_t p, size_t lim, int semis)
{
    char c = t->s[p];
    if ((c == '.' || c == '!' || c == '?') && (p + 1 >= lim || t->s[p + 1] == ' '))
        return 1;
    if (semis && c == ';')
        return 1;
    if (p + 3 > lim)
        return 0;
    const char *q = t->s + p;
    return memcmp(q, "。", 3) == 0 || memcmp(q, "！", 3) == 0 || memcmp(q, "？", 3) == 0 ||
           (semis && memcmp(q, "；", 3) == 0);
}

static void sentence_bounds(const struct draft_text *t, size_t pos, int semis, size_t *a,
                            size_t *z)
{
    size_t l = line_of(t, pos), ls = line_start(t, l), le = line_end(t, l);
    size_t i = pos, j = pos;
    if (pos > ls + DRAFT_SENTENCE_REACH)
        ls = utf8_snap(t->s, t->len, pos - DRAFT_SENTENCE_REACH, 1);
    if (le > pos + DRAFT_SENTENCE_REACH)
        le = utf8_snap(t->s, t->len, pos + DRAFT_SENTENCE_REACH, -1);
    while (i > ls) {
        size_t p = i - 1;
        if (sentence_stop(t, p, le, semis))
            break;
        /* a three-byte stop ("。") ends at i - 1: test it from its first byte */
        if (p >= ls + 2 && ((unsigned char)t->s[p] & 0xc0) == 0x80 &&
            sentence_stop(t, p - 2, le, semis))
            break;
        i--;
    }
    while (j < le && !sentence_stop(t, j, le, semis))
        j++;
    *a = i;
    *z = j;
}

/* Index of the first hit of kind k in [a, z), or SIZE_MAX. */
static size_t kind_in(const struct build *b, size_t a, size_t z, enum draftlex_kind k)
{
    for (size_t i = hit_at(b, a); i < b->nh && b->h[i].start < z; i++)
        if (b->h[i].kind == k)
            return i;
    return SIZE_MAX;
}

/* A qualifier at pos inside parentheses ("(used only locally and not uploaded)") reaches
 * only the parenthesis: 1 when pos is inside one that does not hold q, within [a, z). */
static int paren_apart(const struct draft_text *t, size_t a, size_t z, size_t pos, size_t q)
{
    int depth = 0;
    size_t open = SIZE_MAX, close = z;
    for (size_t p = pos; p > a; p--) {
        char c = t->s[p - 1];
        int cl = c == ')' || (p >= a + 3 && memcmp(t->s + p - 3, "）", 3) == 0);
        int op = c == '(' || (p >= a + 3 && memcmp(t->s + p - 3, "（", 3) == 0);
        if (cl)
            depth++;
        else if (op && depth-- == 0) {
            open = p - 1;
            break;
        }
    }
    if (open == SIZE_MAX)
        return 0;
    depth = 0;
    for (size_t p = pos; p < z; p++) {
        char c = t->s[p];
        int op = c == '(' || (p + 3 <= z && memcmp(t->s + p, "（", 3) == 0);
        int cl = c == ')' || (p + 3 <= z && memcmp(t->s + p, "）", 3) == 0);
        if (op)
            depth++;
        else if (cl && depth-- == 0) {
            close = p;
            break;
        }
    }
    return q < open || q > close;
}

/* The stance of type hit i. fp: judged as first-party collection, where a type must
 * also be named as collected (a collection word in its sentence, or a heading naming
 * it) outside sections about others, definitions and our own contact details. */
static enum stance type_stance(const struct build *b, size_t i, int fp)
{
    const struct draftlex_hit *h = &b->h[i];
    size_t a, z, k0;
    sentence_bounds(&b->t, h->start, 1, &a, &z);
    k0 = hit_at(b, a);
    /* A negation reaches the type unless a contrast word ("but", "except", 但) stands
     * between them: only those between the nearest contrasts either side count. */
    size_t lo = a, hi = z;
    for (size_t k = k0; k < b->nh && b->h[k].start < z; k++)
        if (b->h[k].kind == DLX_CONTRAST) {
            if (b->h[k].start < h->start)
                lo = b->h[k].start;
            else if (b->h[k].start > h->start) {
                hi = b->h[k].start;
                break;
            }
        }
    int tries = 0; /* parentheses are checked for two negations at most */
    for (size_t k = k0; k < b->nh && b->h[k].start < hi; k++) {
        if (b->h[k].kind != DLX_NEGATION || b->h[k].start <= lo)
            continue;
        if (!paren_apart(&b->t, a, z, b->h[k].start, h->start))
            return ST_NEGATED;
        if (++tries == 2)
            break;
    }
    if (fp) {
        size_t l = line_of(&b->t, h->start), sa, sz;
        if (b->other[l])
            return ST_NOT_OURS;
        sentence_bounds(&b->t, h->start, 0, &sa, &sz);
        size_t def = kind_in(b, sa, h->start, DLX_DEFINE), ours = kind_in(b, sa, h->start, DLX_OURS);
        if (def != SIZE_MAX || ours != SIZE_MAX)
            return ST_NOT_OURS;
        if (kind_in(b, sa, sz, DLX_COLLECT) == SIZE_MAX && !heading_like(&b->t, l))
            return ST_NOT_OURS;
    }
    size_t c = kind_in(b, a, z, DLX_CONDITION);
    return c != SIZE_MAX && !paren_apart(&b->t, a, z, b->h[c].start, h->start) ? ST_COND
                                                                                : ST_SAID;
}

/* Record type t with stance st in the sets of one declaration: negated types go to neg
 * (and are not declared), the rest to types, and to cond until named unconditionally. */
static int note_type(struct sset *types, struct sset *cond, struct sset *uncond,
                     struct sset *neg, const char *t, enum stance st)
{
    int rc;
    if (st == ST_NOT_OURS)
        return 0;
    if (st == ST_NEGATED)
        return sset_add(neg, t);
    if ((rc = sset_add(types, t)) < 0)
        return rc;
    return sset_add(st == ST_COND ? cond : uncond, t);
}

/* Add the phrases of lines [l, end) to e, and the excerpts that name them (and the
 * SDK name hit at index first) to its clause. */
static int entry_fill(struct build *b, struct draft_entry *e, size_t first, size_t l,
                      size_t end)
{
    size_t stop = line_start(&b->t, end), cur = SIZE_MAX, from = 0, to = 0;
    int rc = 0;
    const char *sep = e->clause.n ? " | " : "";
    for (size_t i = first; i <= b->nh; i++) {
        const struct draftlex_hit *h = i < b->nh ? &b->h[i] : NULL;
        int done = !h || h->start >= stop;
        int rel = !done && (i == first || h->kind == DLX_TYPE || h->kind == DLX_VAGUE);
        size_t hl = done ? SIZE_MAX : line_of(&b->t, h->start);
        if (cur != SIZE_MAX && (done || (rel && hl != cur))) {
            if ((rc = clause_excerpt(&e->clause, &b->t, cur, from, to, sep)) < 0)
                return rc;
            sep = " | ";
            cur = SIZE_MAX;
        }
        if (done)
            break;
        if (!rel)
            continue;
        if (h->kind == DLX_TYPE && !list_header(b, i) &&
            (rc = note_type(&e->types, &e->cond, &e->uncond, &e->negated, h->target,
                            type_stance(b, i, 0))) < 0)
            return rc;
        if (h->kind == DLX_VAGUE && (rc = sset_add(&e->vague, h->target)) < 0)
            return rc;
        if (cur == SIZE_MAX) {
            cur = hl;
            from = h->start;
        }
        to = h->end;
    }
    for (size_t k = l; k < end; k++)
        b->in_span[k] = 1;
    return 0;
}

/* The catalogue categories of the uses stated in lines [l, end) into cats (at most
 * max), the first use hit's index into *first. When the lines label a use ("SDK usage:",
 * "用途：") only the words after such a label count: "read storage space" in a list of
 * fields says nothing of what the SDK is for. */
static size_t span_uses(const struct build *b, size_t l, size_t end, const char **cats,
                        size_t max, size_t *first)
{
    size_t from = line_start(&b->t, l), to = line_start(&b->t, end), n = 0;
    size_t i0 = hit_at(b, from), label_line = SIZE_MAX;
    int labelled = 0;
    *first = SIZE_MAX;
    for (size_t i = i0; i < b->nh && b->h[i].start < to; i++)
        labelled |= b->h[i].kind == DLX_USE_LABEL;
    for (size_t i = i0; i < b->nh && b->h[i].start < to; i++) {
        const struct draftlex_hit *h = &b->h[i];
        size_t hl = line_of(&b->t, h->start);
        if (h->kind == DLX_USE_LABEL)
            label_line = hl;
        if (h->kind != DLX_USE || (labelled && hl != label_line))
            continue;
        size_t k = 0;
        while (k < n && strcmp(cats[k], h->target) != 0)
            k++;
        if (k == n && n < max)
            cats[n++] = h->target;
        if (*first == SIZE_MAX)
            *first = i;
    }
    return n;
}

/* A vendor-only name ("Tencent SDK") whose stated use leaves exactly one of its
 * candidates ("instant messaging": tencent-im among tencent-bugly, tencent-gdt, ...)
 * stands for that one; the use is quoted in the clause and named in the note. An id
 * another entry already has is not taken (the file would list it twice). */
static int resolve_by_use(struct build *b, struct draft_entry *e)
{
    const char *cats[16], *pick = NULL;
    size_t first = SIZE_MAX, n = 0, npick = 0;
    for (size_t s = 0; s < e->nspan; s++) {
        size_t f;
        n = span_uses(b, e->span[s][0] - 1, e->span[s][1], cats, 16, &f);
        if (n) {
            first = f;
            break;
        }
    }
    for (size_t c = 0; c < e->ncand; c++) {
        const char *cat = draftlex_category(b->lx, e->cand[c]);
        for (size_t k = 0; cat && k < n; k++)
            if (strcmp(cat, cats[k]) == 0) {
                pick = e->cand[c];
                npick++;
                break;
            }
    }
    if (npick != 1)
        return 0;
    for (size_t i = 0; i < b->d->n; i++)
        if (b->d->e[i].sdk && strcmp(b->d->e[i].sdk, pick) == 0)
            return 0;
    const struct draftlex_hit *h = &b->h[first];
    if (!(e->use = strndup(b->t.s + h->start, h->end - h->start)))
        return LW_ERR_NOMEM;
    e->use_cat = draftlex_category(b->lx, pick);
    e->sdk = pick;
    e->confidence = 0.5;
    return clause_excerpt(&e->clause, &b->t, line_of(&b->t, h->start), h->start, h->end,
                          " | ");
}

static int read_entries(struct build *b)
{
    size_t *ent = malloc((b->nh + 1) * sizeof *ent);
    int rc = 0;
    if (!ent)
        return LW_ERR_NOMEM;
    size_t n = find_entries(b, ent);
    for (size_t k = 0; k < n && rc == 0; k++) {
        const struct draftlex_hit *h = &b->h[ent[k]];
        size_t l = line_of(&b->t, h->start);
        size_t next = k + 1 < n ? line_of(&b->t, b->h[ent[k + 1]].start) : SIZE_MAX;
        struct draft_entry *e = entry_for(b, h);
        if (!e) {
            rc = LW_ERR_NOMEM;
            break;
        }
        size_t end = entry_end(b, l, next);
        if (e->nspan && e->span[e->nspan - 1][1] == l)
            e->span[e->nspan - 1][1] = end; /* the entry goes on ("Partner Name:" after
                                                "Partner Type:") */
        else if (e->nspan < 8) {
            e->span[e->nspan][0] = l + 1;
            e->span[e->nspan++][1] = end;
        }
        if (!e->sdk && !e->ncand)
            e->ncand = draftlex_candidates(b->lx, e->name, strlen(e->name), e->cand, 8);
        if ((rc = entry_fill(b, e, ent[k], l, end)) < 0)
            break;
        double c = entry_confidence(h, e);
        if (c > e->confidence)
            e->confidence = c;
    }
    free(ent);
    for (size_t i = 0; i < b->d->n && rc == 0; i++)
        if (!b->d->e[i].sdk && b->d->e[i].ncand)
            rc = resolve_by_use(b, &b->d->e[i]);
    return rc;
}

/* Types named outside every SDK entry: what the operator collects itself. The clause
 * quotes the first lines naming them. */
static int read_first_party(struct build *b)
{
    struct draft *d = b->d;
    size_t cur = SIZE_MAX, from = 0, to = 0;
    int rc;
    for (size_t i = 0; i <= b->nh; i++) {
        const struct draftlex_hit *h = i < b->nh ? &b->h[i] : NULL;
        if (h && h->kind != DLX_TYPE)
            continue;
        size_t l = h ? line_of(&b->t, h->start) : SIZE_MAX;
        if (h && b->in_span[l])
            continue;
        enum stance st = h ? type_stance(b, i, 1) : ST_SAID;
        if (h && (st == ST_NOT_OURS || st == ST_NEGATED)) {
            if (st == ST_NEGATED && (rc = sset_add(&d->fp_negated, h->target)) < 0)
                return rc;
            continue;
        }
        if (cur != SIZE_MAX && l != cur) {
            if ((rc = clause_excerpt(&d->fp_clause, &b->t, cur, from, to, " | ")) < 0)
                return rc;
            cur = SIZE_MAX;
        }
        if (!h)
            break;
        if (!list_header(b, i) &&
            (rc = note_type(&d->fp, &d->fp_cond, &d->fp_uncond, &d->fp_negated, h->target,
                            st)) < 0)
            return rc;
        if (cur == SIZE_MAX) {
            cur = l;
            from = h->start;
        }
        to = h->end;
    }
    return 0;
}

/* The sentence around pos within its line: after the previous ". ", "。", ";" or "；",
 * up to and including the next. */
static void sentence(const struct draft_text *t, size_t pos, size_t *from, size_t *to)
{
    size_t l = line_of(t, pos), ls = line_start(t, l), le = line_end(t, l);
    size_t a = pos, z = pos;
    while (a > ls && !((t->s[a - 1] == ' ' && a >= ls + 2 && t->s[a - 2] == '.') ||
                       t->s[a - 1] == ';' ||
                       (a >= ls + 3 && (memcmp(t->s + a - 3, "。", 3) == 0 ||
                                        memcmp(t->s + a - 3, "；", 3) == 0))))
        a--;
    while (z < le && !((t->s[z] == '.' && (z + 1 == le || t->s[z + 1] == ' ')) ||
                       t->s[z] == ';' ||
                       (z + 3 <= le && (memcmp(t->s + z, "。", 3) == 0 ||
                                        memcmp(t->s + z, "；", 3) == 0))))
        z++;
    if (z < le)
        z += ((unsigned char)t->s[z] >= 0x80) ? 3 : 1;
    while (a < z && t->s[a] == ' ')
        a++;
    *from = a;
    *to = z;
}

static int add_transform(struct draft *d, const char *type, const char *form)
{
    for (size_t i = 0; i < d->ntr; i++)
        if (strcmp(d->tr[i].type, type) == 0 && strcmp(d->tr[i].form, form) == 0)
            return 0;
    if (d->ntr == d->captr) {
        size_t cap = d->captr ? d->captr * 2 : 8;
        struct draft_transform *nv = realloc(d->tr, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        d->tr = nv;
        d->captr = cap;
    }
    d->tr[d->ntr++] = (struct draft_transform){type, form};
    return 0;
}

/* The part of [from, to) around pos between commas ("，" too): in "我们会对IMEI进行MD5加密，
 * 对MAC地址进行脱敏" MD5 is promised for the IMEI only. */
static void subclause(const struct draft_text *t, size_t from, size_t to, size_t pos,
                      size_t *a, size_t *z)
{
    *a = pos;
    *z = pos;
    while (*a > from && t->s[*a - 1] != ',' &&
           !(*a >= from + 3 && memcmp(t->s + *a - 3, "，", 3) == 0))
        (*a)--;
    while (*z < to && t->s[*z] != ',' && !(*z + 3 <= to && memcmp(t->s + *z, "，", 3) == 0))
        (*z)++;
}

static int is_algo(const struct draftlex_hit *h)
{
    return h->kind == DLX_TRANSFORM && strcmp(h->target, "unnamed") != 0;
}

/* The types a transform hit k applies to: those of its sub-clause, or of the whole
 * sentence [from, to) when the sub-clause names none. Sets *a, *z to that scope and
 * returns whether an algorithm is named in it. */
static int transform_scope(const struct build *b, size_t k, size_t from, size_t to, size_t *a,
                           size_t *z)
{
    int types = 0, algo = 0;
    subclause(&b->t, from, to, b->h[k].start, a, z);
    for (size_t i = hit_at(b, *a); i < b->nh && b->h[i].start < *z; i++)
        types |= b->h[i].kind == DLX_TYPE;
    if (!types) {
        *a = from;
        *z = to;
    }
    for (size_t i = hit_at(b, *a); i < b->nh && b->h[i].start < *z; i++)
        algo |= is_algo(&b->h[i]);
    return algo;
}

/* One sentence [from, to) promising a transform: the types in each promise's scope get
 * the algorithm it names; a promise without one ("hashed", "脱敏") is kept for the
 * reviewer. The sentence is quoted in transforms_clause or in the comment. */
static int transform_sentence(struct build *b, size_t from, size_t to)
{
    struct draft *d = b->d;
    int rc, named = 0, unnamed = 0;
    for (size_t k = hit_at(b, from); k < b->nh && b->h[k].start < to; k++) {
        size_t a, z;
        if (b->h[k].kind != DLX_TRANSFORM)
            continue;
        int algo = transform_scope(b, k, from, to, &a, &z);
        if (!is_algo(&b->h[k]) && algo)
            continue; /* "encrypted with MD5": the MD5 hit speaks for it */
        for (size_t i = hit_at(b, a); i < b->nh && b->h[i].start < z; i++) {
            if (b->h[i].kind != DLX_TYPE)
                continue;
            rc = is_algo(&b->h[k]) ? add_transform(d, b->h[i].target, b->h[k].target)
                                   : sset_add(&d->unnamed_types, b->h[i].target);
            if (rc < 0)
                return rc;
            named |= is_algo(&b->h[k]);
            unnamed |= !is_algo(&b->h[k]);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        struct sbuf *c = pass ? &d->unnamed_clause : &d->tr_clause;
        if (!(pass ? unnamed : named))
            continue;
        if ((c->n && (rc = sbuf_add(c, " | ", 3)) < 0) ||
            (rc = sbuf_add(c, b->t.s + from, to - from)) < 0)
            return rc;
    }
    return 0;
}

static int read_transforms(struct build *b)
{
    size_t last_to = 0;
    int rc;
    for (size_t i = 0; i < b->nh; i++) {
        const struct draftlex_hit *h = &b->h[i];
        if (h->kind != DLX_TRANSFORM || h->start < last_to ||
            b->in_span[line_of(&b->t, h->start)])
            continue;
        size_t from, to;
        sentence(&b->t, h->start, &from, &to);
        if ((rc = transform_sentence(b, from, to)) < 0)
            return rc;
        last_to = to;
    }
    return 0;
}

/* Without entries: is the SDK list only linked ("click here to view the catalog of
 * third-party SDKs")? Then the sentence saying so is the draft's `linked`. */
static int read_catalogue(struct build *b)
{
    struct draft *d = b->d;
    if (d->n) {
        d->catalogue = POLICY_CAT_INCLUDED;
        return 0;
    }
    d->catalogue = POLICY_CAT_MISSING;
    for (size_t i = 0; i < b->nh; i++)
        if (b->h[i].kind == DLX_LINKED) {
            size_t from, to;
            sentence(&b->t, b->h[i].start, &from, &to);
            d->catalogue = POLICY_CAT_LINKED;
            return sbuf_add(&d->linked, b->t.s + from, to - from);
        }
    return 0;
}

/* 1 for a line that opens a section: heading-like, or short and marked up as a
 * heading ("**Appendix I: Definitions**", "[Third-Party Advertising Delivery]", "【...】",
 * "# ..."). */
static int section_heading(const struct draft_text *t, size_t l)
{
    size_t ls = line_start(t, l), le = line_end(t, l);
    const char *p = t->s + ls;
    while (p < t->s + le && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = (size_t)(t->s + le - p);
    if (heading_like(t, l))
        return 1;
    return n >= 3 && n <= 100 &&
           (*p == '#' || *p == '[' || (p[0] == '*' && p[1] == '*') || memcmp(p, "【", 3) == 0);
}

/* Per line: which lines hold a type or vague phrase, and which lie in a section whose
 * heading says it is about others ("third-party", "definitions", 第三方, 释义): up to the
 * next heading. */
static int mark_lines(struct build *b)
{
    b->has_phrase = calloc(b->t.nlines, 1);
    b->in_span = calloc(b->t.nlines, 1);
    b->other = calloc(b->t.nlines, 1);
    if (!b->has_phrase || !b->in_span || !b->other)
        return LW_ERR_NOMEM;
    for (size_t i = 0; i < b->nh; i++)
        if (b->h[i].kind == DLX_TYPE || b->h[i].kind == DLX_VAGUE)
            b->has_phrase[line_of(&b->t, b->h[i].start)] = 1;
    int other = 0;
    size_t i = 0;
    for (size_t l = 0; l < b->t.nlines; l++) {
        size_t ls = line_start(&b->t, l), le = line_end(&b->t, l);
        int xs = 0;
        for (i = hit_at(b, ls); i < b->nh && b->h[i].start < le; i++)
            xs |= b->h[i].kind == DLX_XSECTION;
        if (section_heading(&b->t, l))
            other = xs;
        b->other[l] = (unsigned char)other;
    }
    return 0;
}

int draft_build(const draftlex_t *lx, const ontology_t *ont, const char *text, size_t len,
                const struct draft_opts *o, draft_t **out, char *err, size_t errlen)
{
    struct build b = {.t = {text, len, NULL, 0}, .ont = ont, .lx = lx};
    struct draftlex_hit *hits = NULL;
    int rc;
    *out = NULL;
    if (!(b.d = calloc(1, sizeof *b.d)) ||
        !(b.d->id = strdup(o && o->id ? o->id : "draft")) ||
        !(b.d->source = strdup(o && o->source ? o->source : "(stdin)"))) {
        rc = LW_ERR_NOMEM;
        goto fail;
    }
    if ((rc = index_lines(&b.t, err, errlen)) < 0 ||
        (rc = draftlex_scan(lx, text, len, &hits, &b.nh, err, errlen)) < 0)
        goto out;
    b.h = hits;
    if ((rc = mark_lines(&b)) < 0 || (rc = read_entries(&b)) < 0 ||
        (rc = read_first_party(&b)) < 0 || (rc = read_transforms(&b)) < 0 ||
        (rc = read_catalogue(&b)) < 0)
        goto fail;
    *out = b.d;
    b.d = NULL;
    goto out;
fail:
    if (rc == LW_ERR_NOMEM)
        snprintf(err, errlen, "out of memory drafting the policy");
out:
    draft_free(b.d);
    free(hits);
    free(b.t.line);
    free(b.has_phrase);
    free(b.in_span);
    free(b.other);
    return rc;
}

static void entry_free(struct draft_entry *e)
{
    free(e->name);
    free(e->use);
    free(e->types.v);
    free(e->cond.v);
    free(e->uncond.v);
    free(e->negated.v);
    free(e->vague.v);
    free(e->clause.p);
}

void draft_free(draft_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        entry_free(&d->e[i]);
    free(d->e);
    free(d->id);
    free(d->source);
    free(d->linked.p);
    free(d->fp.v);
    free(d->fp_cond.v);
    free(d->fp_uncond.v);
    free(d->fp_negated.v);
    free(d->fp_clause.p);
    free(d->tr);
    free(d->tr_clause.p);
    free(d->unnamed_types.v);
    free(d->unnamed_clause.p);
    free(d);
}

size_t draft_nsdks(const draft_t *d)
{
    return d ? d->n : 0;
}

const char *draft_sdk_id(const draft_t *d, size_t i, const char **name)
{
    if (!d || i >= d->n)
        return NULL;
    if (name)
        *name = d->e[i].name;
    return d->e[i].sdk;
}
