/* htmltext.c - see htmltext.h. One pass to make the bytes valid UTF-8 (and judge
 * whether they are text at all), one pass to flatten HTML, one to tidy white space.
 * Every pass writes at most as many bytes as it reads, so the output never outgrows
 * the input. */
#include "rules/htmltext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/lwerr.h"

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid, as Hyperscan's
 * UTF-8 mode requires. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t k;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) { k = 2; min = 0x80; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { k = 3; min = 0x800; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { k = 4; min = 0x10000; cp = c & 0x07; }
    else return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* Copy in to out as valid UTF-8 with '\n' line ends; returns the bytes written and
 * counts in *bad the bytes that are not text (invalid UTF-8, NUL, control bytes). */
static size_t sanitize(const unsigned char *in, size_t len, char *out, size_t *bad)
{
    size_t j = 0;
    *bad = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = in[i];
        size_t k = utf8_len(in + i, len - i);
        if (k == 0) {
            out[j++] = '?';
            (*bad)++;
            i++;
        } else if (c == '\r') {
            out[j++] = '\n';
            i += (i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
        } else if (c < 0x20 && c != '\n' && c != '\t' && c != '\f' && c != '\v') {
            out[j++] = ' ';
            (*bad)++;
            i++;
        } else {
            memcpy(out + j, in + i, k);
            j += k;
            i += k;
        }
    }
    return j;
}

/* HTML when the first non-blank byte opens a tag and a structural tag appears early. */
static int looks_html(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\f'))
        i++;
    if (i + 3 >= n || s[i] != '<')
        return 0;
    static const char *const marks[] = {"<html", "<!doctype", "<body", "<head", "<div",
                                        "<p>", "<p ", "<table", "<meta", NULL};
    size_t lim = n - i < 4096 ? n - i : 4096;
    for (size_t k = 0; k + 4 <= lim; k++)
        for (int m = 0; marks[m]; m++)
            if (k + strlen(marks[m]) <= lim &&
                ascii_ieq(s + i + k, marks[m], strlen(marks[m])))
                return 1;
    return 0;
}

static void put_utf8(char *out, size_t *j, unsigned long cp)
{
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        out[(*j)++] = '?';
    } else if (cp < 0x80) {
        out[(*j)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*j)++] = (char)(0xc0 | (cp >> 6));
        out[(*j)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*j)++] = (char)(0xe0 | (cp >> 12));
        out[(*j)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*j)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*j)++] = (char)(0xf0 | (cp >> 18));
        out[(*j)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*j)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*j)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* Decode the character reference at s[0] == '&' (n bytes left) into out; returns the
 * bytes consumed. An unknown or malformed reference is copied as its '&'. The output
 * is never longer than the reference (4 UTF-8 bytes need at least "&#NNNNN;"). */
static size_t entity(const char *s, size_t n, char *out, size_t *j)
{
    static const struct { const char *name; const char *text; } named[] = {
        {"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""}, {"apos;", "'"},
        {"nbsp;", " "}, {"#39;", "'"}, {"ldquo;", "\""}, {"rdquo;", "\""},
        {"lsquo;", "'"}, {"rsquo;", "'"}, {"middot;", "-"}, {"bull;", "-"}, {NULL, NULL}};
    for (int k = 0; named[k].name; k++) {
        size_t l = strlen(named[k].name);
        if (n > l && ascii_ieq(s + 1, named[k].name, l)) {
            out[(*j)++] = named[k].text[0];
            return l + 1;
        }
    }
    if (n > 3 && s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        size_t i = hex ? 3 : 2, start = i;
        unsigned long cp = 0;
        for (; i < n && i < start + 7; i++) {
            int d = ascii_hexval((unsigned char)s[i]);
            if (d < 0 || (!hex && d > 9))
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (i > start && i < n && s[i] == ';') {
            put_utf8(out, j, cp);
            return i + 1;
        }
    }
    out[(*j)++] = '&';
    return 1;
}

/* Elements whose content is never policy text. */
static int skipped_element(const char *name, size_t l)
{
    static const char *const skip[] = {"script", "style", "noscript", "template", "svg",
                                       "head", NULL};
    for (int k = 0; skip[k]; k++)
        if (strlen(skip[k]) == l && ascii_ieq(name, skip[k], l))
            return 1;
    return 0;
}

/* 2: a table cell, 1: a block element (a line break), 0: inline. */
static int tag_class(const char *name, size_t l)
{
    static const char *const block[] = {"p", "div", "br", "li", "ul", "ol", "tr", "table",
        "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
        "blockquote", "pre", "hr", "dt", "dd", "dl", "tbody", "thead", "title", "nav",
        "main", "caption", "body", "html", NULL};
    if (l == 2 && (ascii_ieq(name, "td", 2) || ascii_ieq(name, "th", 2)))
        return 2;
    for (int k = 0; block[k]; k++)
        if (strlen(block[k]) == l && ascii_ieq(name, block[k], l))
            return 1;
    return 0;
}

/* End of the construct opening at s[i] == '<': a comment, a skipped element with its
 * content, or one tag. *cls gets tag_class() of the tag (0 for the others). */
static size_t tag_end(const char *s, size_t n, size_t i, int *cls)
{
    *cls = 0;
    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        const char *e = strstr(s + i + 4, "-->");
        return e ? (size_t)(e - s) + 3 : n;
    }
    size_t k = i + 1 + (i + 1 < n && s[i + 1] == '/');
    size_t name = k;
    while (k < n && (((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z') || (s[k] >= '0' && s[k] <= '9')))
        k++;
    size_t l = k - name;
    const char *gt = memchr(s + k, '>', n - k);
    size_t end = gt ? (size_t)(gt - s) + 1 : n;
    if (l && s[i + 1] != '/' && skipped_element(s + name, l)) {
        /* Skip to the matching close tag; without one, the rest is dropped. */
        for (size_t p = end; p + 2 + l < n; p++)
            if (s[p] == '<' && s[p + 1] == '/' && ascii_ieq(s + p + 2, s + name, l)) {
                gt = memchr(s + p, '>', n - p);
                return gt ? (size_t)(gt - s) + 1 : n;
            }
        return n;
    }
    *cls = l ? tag_class(s + name, l) : 0;
    return end;
}

/* Flatten HTML in s (n bytes, NUL-terminated) into out; returns the length. */
static size_t flatten(const char *s, size_t n, char *out)
{
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        char nx = i + 1 < n ? s[i + 1] : '\0';
        int opens = ((nx | 0x20) >= 'a' && (nx | 0x20) <= 'z') || nx == '/' || nx == '!' ||
                    nx == '?';
        if (s[i] == '<' && opens) { /* "a < b" is text, not a tag */
            int cls;
            size_t e = tag_end(s, n, i, &cls);
            /* Inline tags vanish ("Um<b>eng</b>" stays one word); a cell opens with
             * " | " (never longer than "<td>"), so a row reads "| Umeng SDK | IMEI". */
            if (cls == 1) {
                out[j++] = '\n';
            } else if (cls == 2 && s[i + 1] != '/') {
                memcpy(out + j, " | ", 3);
                j += 3;
            }
            i = e;
        } else if (s[i] == '&') {
            i += entity(s + i, n - i, out, &j);
        } else {
            char c = s[i++];
            out[j++] = (c == '\n' || c == '\t' || c == '\f' || c == '\v') ? ' ' : c;
        }
    }
    return j;
}

/* Collapse runs of blanks, trim each line, drop empty lines: in HTML they only say
 * where one element closed and the next opened, while in plain text a blank line ends
 * an SDK entry (rules/draft.c). */
static size_t tidy(char *s, size_t n)
{
    size_t j = 0;
    int nl = 1; /* a newline was just written: none at the start */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ') {
            if (nl || (j && s[j - 1] == ' '))
                continue;
            s[j++] = ' ';
        } else if (c == '\n') {
            while (j && s[j - 1] == ' ')
                j--;
            if (!nl)
                s[j++] = '\n';
            nl++;
        } else {
            s[j++] = c;
            nl = 0;
        }
    }
    while (j && (s[j - 1] == ' ' || s[j - 1] == '\n'))
        j--;
    return j;
}

int htmltext_prepare(const char *in, size_t len, char **out, size_t *outlen, int *is_html,
                     char *err, size_t errlen)
{
    *out = NULL;
    if (len > HTMLTEXT_MAX_INPUT) {
        snprintf(err, errlen, "%zu bytes: larger than %u MiB, not a privacy policy", len,
                 HTMLTEXT_MAX_INPUT >> 20);
        return LW_ERR_PARSE;
    }
    char *a = malloc(len + 1), *b = NULL;
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    size_t bad, n = sanitize((const unsigned char *)in, len, a, &bad);
    a[n] = '\0';
    if (bad * 20 > len) {
        snprintf(err, errlen, "not text: %zu of %zu bytes are binary or invalid UTF-8", bad,
                 len);
        free(a);
        return LW_ERR_PARSE;
    }
    int html = looks_html(a, n);
    if (is_html)
        *is_html = html;
    if (html) {
        if (!(b = malloc(n + 1))) {
            free(a);
            snprintf(err, errlen, "out of memory");
            return LW_ERR_NOMEM;
        }
        n = tidy(b, flatten(a, n, b));
        b[n] = '\0';
        free(a);
        a = b;
    }
    *out = a;
    *outlen = n;
    return 0;
}
