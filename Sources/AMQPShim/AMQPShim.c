#include "AMQPShim.h"

amqp_rpc_reply_t calltap_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                          int channel_max, int frame_max, int heartbeat,
                                          const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN,
                      user, password);
}

const amqp_method_number_t calltap_amqp_basic_ack_method = AMQP_BASIC_ACK_METHOD;
const amqp_method_number_t calltap_amqp_basic_nack_method = AMQP_BASIC_NACK_METHOD;
const amqp_method_number_t calltap_amqp_basic_return_method = AMQP_BASIC_RETURN_METHOD;
const amqp_method_number_t calltap_amqp_channel_close_method = AMQP_CHANNEL_CLOSE_METHOD;
const amqp_method_number_t calltap_amqp_connection_close_method = AMQP_CONNECTION_CLOSE_METHOD;
const amqp_method_number_t calltap_amqp_connection_blocked_method = AMQP_CONNECTION_BLOCKED_METHOD;
const amqp_method_number_t calltap_amqp_connection_unblocked_method = AMQP_CONNECTION_UNBLOCKED_METHOD;
const amqp_method_number_t calltap_amqp_connection_close_ok_method = AMQP_CONNECTION_CLOSE_OK_METHOD;
const amqp_method_number_t calltap_amqp_channel_close_ok_method = AMQP_CHANNEL_CLOSE_OK_METHOD;
