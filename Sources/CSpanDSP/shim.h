#ifndef CALLTAP_CSPANDSP_SHIM_H
#define CALLTAP_CSPANDSP_SHIM_H
/* The G.722 codec and the DTMF receiver: the whole spandsp.h also needs libtiff for fax. */
#include <stddef.h>
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <spandsp/logging.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
#endif
