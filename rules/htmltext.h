/* htmltext.h - a privacy policy as it arrives (plain text or an HTML page, meant to be
 * UTF-8) turned into the plain text rules/draft.c reads: valid UTF-8, one paragraph,
 * heading, list item or table row per line.
 *
 * HTML is flattened, not parsed: tags become line breaks (block elements) or a cell
 * separator (table cells), <script>, <style>, <head>-only elements and comments are
 * dropped, character references are decoded. It does not build a DOM, run scripts or
 * follow links, so a hostile page costs one pass over its bytes. */
#ifndef LW_RULES_HTMLTEXT_H
#define LW_RULES_HTMLTEXT_H

#include <stddef.h>

/* Inputs larger than this are refused: policies are tens of kilobytes. */
#define HTMLTEXT_MAX_INPUT (16u << 20)

/* Turn in (len bytes, any content) into text. Invalid UTF-8 sequences become '?' so
 * that Hyperscan's UTF-8 mode may scan the result; input that is mostly binary (more
 * than 1 byte in 20 a control byte, NUL or invalid UTF-8) or larger than
 * HTMLTEXT_MAX_INPUT is refused with LW_ERR_PARSE and a message in err. On success
 * returns 0 and *out (NUL-terminated, *outlen bytes, at most len + 1) is the caller's
 * to free(). *is_html (if non-NULL) says whether the input was taken as HTML. */
int htmltext_prepare(const char *in, size_t len, char **out, size_t *outlen, int *is_html,
                     char *err, size_t errlen);

#endif
