#ifndef CALLTAP_CPCAP_SHIM_H
#define CALLTAP_CPCAP_SHIM_H
#include <stdio.h>
#include <stdio_ext.h>
#include <pcap/pcap.h>
#endif
