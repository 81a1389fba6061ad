#ifndef CALLTAP_CBCG729_SHIM_H
#define CALLTAP_CBCG729_SHIM_H
#include <stdint.h>
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#endif
