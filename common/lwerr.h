/* lwerr.h - the one set of error codes shared by every layer.
 *
 * Base layer: it includes nothing of the project, so every other layer may use it.
 * Functions return 0 (or a non-negative count) on success and one of these negative
 * codes on failure; the human-readable text goes into a caller-supplied buffer of
 * LW_ERRBUF bytes. */
#ifndef LW_COMMON_LWERR_H
#define LW_COMMON_LWERR_H

#define LW_ERRBUF 512

enum lw_err {
    LW_OK = 0,
    LW_ERR_NOMEM = -1,   /* allocation failed or a configured memory cap was hit */
    LW_ERR_IO = -2,      /* file or socket I/O */
    LW_ERR_PARSE = -3,   /* malformed input file (YAML, capture, key log ...) */
    LW_ERR_INVAL = -4,   /* bad argument or option value */
    LW_ERR_FULL = -5,    /* a bounded structure is full */
    LW_ERR_CONNECT = -6, /* remote service unreachable */
    LW_ERR_AUTH = -7,    /* remote service refused credentials or database */
    LW_ERR_LIB = -8,     /* a library (Hyperscan, nDPI, zlib ...) reported failure */
};

static inline const char *lw_strerror(int code)
{
    switch (code) {
    case LW_OK: return "success";
    case LW_ERR_NOMEM: return "out of memory";
    case LW_ERR_IO: return "I/O error";
    case LW_ERR_PARSE: return "malformed input";
    case LW_ERR_INVAL: return "invalid argument";
    case LW_ERR_FULL: return "capacity exhausted";
    case LW_ERR_CONNECT: return "cannot connect";
    case LW_ERR_AUTH: return "authentication refused";
    case LW_ERR_LIB: return "library error";
    default: return "unknown error";
    }
}

#endif
