#ifndef CALLTAP_CPCAP_SHIM_H
#define CALLTAP_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
