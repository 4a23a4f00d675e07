#ifndef TOOLGATE_CPCRE2_SHIM_H
#define TOOLGATE_CPCRE2_SHIM_H

/* pcre2.h needs the code unit width before it is included; toolgate works on UTF-8 bytes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* Macros with casts do not import into Swift: export them as constants. */
static const size_t cpcre2_unset = PCRE2_UNSET;
static const size_t cpcre2_zero_terminated = PCRE2_ZERO_TERMINATED;

#endif
