#ifndef TOOLGATE_CPCRE2_SHIM_H
#define TOOLGATE_CPCRE2_SHIM_H

/* pcre2.h needs the code unit width before it is included; toolgate works on UTF-8 bytes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* PCRE2_UNSET and PCRE2_ZERO_TERMINATED (~(size_t)0) do not import; exporting them as constants makes
   Swift warn about an overflowing literal. toolgate passes explicit lengths, and an unset ovector
   entry reads as -1 through size_t -> Int (see PCRE2Regex). */

#endif
