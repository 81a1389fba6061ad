#ifndef CALLTAP_AMQP_SHIM_H
#define CALLTAP_AMQP_SHIM_H
#include "../../CRabbitMQ/shim.h"

/// amqp_login with SASL PLAIN: Swift cannot call the variadic original.
amqp_rpc_reply_t calltap_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                          int channel_max, int frame_max, int heartbeat,
                                          const char *user, const char *password);

/// Method numbers whose C macros carry a cast, which Swift does not import.
extern const amqp_method_number_t calltap_amqp_basic_ack_method;
extern const amqp_method_number_t calltap_amqp_basic_nack_method;
extern const amqp_method_number_t calltap_amqp_basic_return_method;
extern const amqp_method_number_t calltap_amqp_channel_close_method;
extern const amqp_method_number_t calltap_amqp_connection_close_method;
extern const amqp_method_number_t calltap_amqp_connection_blocked_method;
extern const amqp_method_number_t calltap_amqp_connection_unblocked_method;
extern const amqp_method_number_t calltap_amqp_connection_close_ok_method;
extern const amqp_method_number_t calltap_amqp_channel_close_ok_method;

#endif
