/* ledger/clip.h - untrusted text made safe to echo in a one-line message.
 *
 * Every error of the ledger is one line naming the input. When that line
 * quotes what a file or a server said (a JSON member, a CSV field, a PromQL
 * error), the quote must not break the line or forge another: control
 * characters become '?', and it is cut at a length with "..." so a 16 MB
 * field is not repeated back.
 */
#ifndef CS_LEDGER_CLIP_H
#define CS_LEDGER_CLIP_H

#include <stddef.h>

/* s (NULL = "") with control characters replaced and cut to at most max
 * bytes (then ending in "..."), into out[cap]; returns out. */
const char *cs_lg_clip(const char *s, size_t max, char *out, size_t cap);

#endif
