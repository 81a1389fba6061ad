#ifndef CALLTAP_COPUS_SHIM_H
#define CALLTAP_COPUS_SHIM_H
#include <opus/opus.h>
#endif
