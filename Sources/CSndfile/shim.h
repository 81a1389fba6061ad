#ifndef CALLTAP_CSNDFILE_SHIM_H
#define CALLTAP_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
