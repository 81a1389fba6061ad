#!/usr/bin/env bash
# A RabbitMQ broker for the tests: Debian's rabbitmq-server as a node of its own, bound to
# loopback only (AMQP, Erlang distribution and epmd), with its data, logs and Erlang cookie in
# one folder, on ports of its own so that it never meets a system broker.
#
#   Tests/broker.sh start    starts it and waits until it answers (at most CALLTAP_BROKER_WAIT s)
#   Tests/broker.sh stop     stops it (rabbitmqctl shutdown, then epmd -kill), also half-started
#   Tests/broker.sh status   exit 0 when it answers
#   Tests/broker.sh url      prints the amqp URL the tests use
#   Tests/broker.sh ctl ...  runs rabbitmqctl against it (tests: stop_app, start_app)
#
# With CALLTAP_BROKER_TLS_PORT (and CALLTAP_BROKER_TLS_CA, _CERT, _KEY: PEM files) the node also
# has an AMQPS listener there; CALLTAP_BROKER_TLS_REQUIRE_CLIENT=1 makes it refuse clients
# without a certificate from that CA.
set -euo pipefail

PORT="${CALLTAP_BROKER_PORT:-5679}"
DIST_PORT="${CALLTAP_BROKER_DIST_PORT:-$((PORT + 20000))}"
export ERL_EPMD_PORT="${CALLTAP_BROKER_EPMD_PORT:-4379}"
export ERL_EPMD_ADDRESS=127.0.0.1
DIR="${CALLTAP_BROKER_DIR:-/tmp/calltap-broker-$PORT}"
WAIT="${CALLTAP_BROKER_WAIT:-60}"
BIN=/usr/lib/rabbitmq/bin

export HOME="$DIR"   # the Erlang cookie of this node and its CLI lives here
export ERL_CRASH_DUMP="$DIR/erl_crash.dump"   # never in the caller's folder
export RABBITMQ_NODENAME="calltap-test-$PORT@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
export RABBITMQ_DIST_PORT="$DIST_PORT"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq"
export RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
export RABBITMQ_LOG_BASE="$DIR/log"
export RABBITMQ_LOGS="$DIR/log/broker.log"
export RABBITMQ_PID_FILE="$DIR/broker.pid"

# The broker and epmd outlive this script: they must not inherit the caller's descriptors beyond
# 0-2 (a caller that waits for a pipe, or Foundation's Process watching its child's socket, would
# wait for the broker instead of this script).
for fd in /proc/$$/fd/*; do
  fd="${fd##*/}"
  # 255 is bash's own handle on this script.
  if [ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

ctl() { "$BIN/rabbitmqctl" -q "$@"; }

# Without its folder (and cookie) no broker of ours runs; asking would only make the CLI crash.
answers() { [ -f "$DIR/.erlang.cookie" ] && ctl -t 5 await_startup >/dev/null 2>&1; }

start() {
  if [ ! -x "$BIN/rabbitmq-server" ]; then
    echo "broker: rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2
    exit 1
  fi
  mkdir -p "$DIR/log" "$DIR/mnesia"
  if answers; then echo "broker: already running on 127.0.0.1:$PORT"; return 0; fi
  : > "$RABBITMQ_CONF_ENV_FILE"
  printf '[].\n' > "$RABBITMQ_ADVANCED_CONFIG_FILE"
  printf '[].\n' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  # No management plugin, loopback only; the guest user may log in from loopback (the default).
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' "$PORT" > "$DIR/rabbitmq.conf"
  if [ -n "${CALLTAP_BROKER_TLS_PORT:-}" ]; then
    {
      printf 'listeners.ssl.default = 127.0.0.1:%s\n' "$CALLTAP_BROKER_TLS_PORT"
      printf 'ssl_options.cacertfile = %s\nssl_options.certfile = %s\nssl_options.keyfile = %s\n' \
        "$CALLTAP_BROKER_TLS_CA" "$CALLTAP_BROKER_TLS_CERT" "$CALLTAP_BROKER_TLS_KEY"
      if [ "${CALLTAP_BROKER_TLS_REQUIRE_CLIENT:-0}" = 1 ]; then
        printf 'ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n'
      fi
    } >> "$DIR/rabbitmq.conf"
  fi
  if [ ! -f "$DIR/.erlang.cookie" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/.erlang.cookie"
    chmod 400 "$DIR/.erlang.cookie"
  fi
  local began=$SECONDS
  nohup "$BIN/rabbitmq-server" > "$DIR/log/startup.log" 2>&1 < /dev/null &
  echo $! > "$DIR/server.pid"
  # await_startup returns as soon as the node runs; before the node exists it fails at once,
  # so retry it, each try bounded, until the whole wait is used up.
  while (( SECONDS - began < WAIT )); do
    if answers; then
      echo "broker: up on 127.0.0.1:$PORT after $((SECONDS - began)) s (node $RABBITMQ_NODENAME, $DIR)"
      return 0
    fi
    if ! kill -0 "$(cat "$DIR/server.pid")" 2>/dev/null; then
      echo "broker: rabbitmq-server exited while starting; its log:" >&2
      tail -n 30 "$DIR/log/startup.log" >&2 || true
      epmd -kill >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 1
  done
  echo "broker: no answer from $RABBITMQ_NODENAME within $WAIT s; last lines of its log:" >&2
  tail -n 30 "$DIR/log/startup.log" >&2 || true
  stop || true
  exit 1
}

stop() {
  local began=$SECONDS
  [ -f "$DIR/.erlang.cookie" ] && { ctl -t 30 shutdown >/dev/null 2>&1 || true; }
  if [ -f "$DIR/server.pid" ]; then
    local pid; pid="$(cat "$DIR/server.pid")"
    # shutdown waits for the node; the wrapper shell may linger a moment after it.
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "broker: rabbitmq-server $pid did not stop; sending TERM" >&2
      kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/server.pid"
  fi
  # The Erlang VM itself, should it have outlived the shutdown: TERM, then KILL.
  if [ -f "$RABBITMQ_PID_FILE" ]; then
    local vm; vm="$(cat "$RABBITMQ_PID_FILE" 2>/dev/null || true)"
    if [ -n "$vm" ] && kill -0 "$vm" 2>/dev/null; then
      kill -TERM "$vm" 2>/dev/null || true
      for _ in $(seq 1 10); do kill -0 "$vm" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$vm" 2>/dev/null || true
    fi
    rm -f "$RABBITMQ_PID_FILE"
  fi
  epmd -kill >/dev/null 2>&1 || true
  echo "broker: stopped after $((SECONDS - began)) s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if answers; then echo "broker: running on 127.0.0.1:$PORT"; else
      epmd -kill >/dev/null 2>&1 || true   # the CLI starts our epmd to ask; leave none behind
      echo "broker: not running"; exit 1
    fi ;;
  url) echo "amqp://guest:guest@127.0.0.1:$PORT/" ;;
  ctl) shift; ctl "$@" ;;
  *) echo "usage: $0 start|stop|status|url|ctl ARGS" >&2; exit 2 ;;
esac
