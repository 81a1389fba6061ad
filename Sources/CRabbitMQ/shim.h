#ifndef CALLTAP_CRABBITMQ_SHIM_H
#define CALLTAP_CRABBITMQ_SHIM_H
// Debian 12's librabbitmq-dev (rabbitmq-c 0.11) installs its headers at the top of /usr/include;
// rabbitmq-c 0.12 and later put them under rabbitmq-c/.
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif
#endif
