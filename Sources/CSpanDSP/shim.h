#ifndef CALLTAP_CSPANDSP_SHIM_H
#define CALLTAP_CSPANDSP_SHIM_H
/* Only the G.722 codec: the whole spandsp.h also needs libtiff for fax. */
#include <stddef.h>
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#endif
