#ifndef CALLTAP_CSRTP_SHIM_H
#define CALLTAP_CSRTP_SHIM_H
#include <srtp2/srtp.h>

/* Exported by libsrtp 2.5 but declared in its header only from 2.6 on: a receiver that starts
   in the middle of a stream tells the stream its rollover counter. */
srtp_err_status_t srtp_set_stream_roc(srtp_t session, uint32_t ssrc, uint32_t roc);
srtp_err_status_t srtp_get_stream_roc(srtp_t session, uint32_t ssrc, uint32_t *roc);
#endif
