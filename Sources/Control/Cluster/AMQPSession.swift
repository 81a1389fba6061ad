import AMQPShim
import CRabbitMQ
import Foundation

/// One rabbitmq-c connection with channel 1 set up for calltap: exchanges declared, this
/// server's queue declared, bound and consumed, publisher confirms on; or, for announcements,
/// only their exchange declared and confirms on. Every call blocks, so only the thread that
/// made it (a `BrokerConnection`'s, a courier's) uses it.
final class AMQPSession {
    /// What the connection is for.
    enum Purpose {
        /// The cluster's exchanges and this server's queue (`BrokerConnection`).
        case cluster
        /// Publishing to this durable topic exchange only (`BrokerAnnouncementSender`).
        case announcements(exchange: String)
    }

    /// What one wait on the connection brought.
    enum Event {
        case idle
        case delivery(BrokerDelivery)
        /// basic.ack: the broker has the message(s) up to this delivery tag.
        case confirmed(tag: UInt64, multiple: Bool)
        /// basic.nack: the broker lost the message(s); publish again.
        case rejected(tag: UInt64, multiple: Bool)
    }

    private let connection: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    private var open = true
    /// Delivery tag the next publish gets (confirm mode numbers them from 1 per channel).
    private(set) var nextTag: UInt64 = 1

    init(endpoint: BrokerEndpoint, settings: BrokerSettings, purpose: Purpose = .cluster) throws(BrokerError) {
        guard let connection = amqp_new_connection() else { throw .unreachable(endpoint.redacted, "out of memory") }
        self.connection = connection
        do {
            try setUp(endpoint: endpoint, settings: settings, purpose: purpose)
        } catch {
            amqp_destroy_connection(connection)
            open = false
            throw error
        }
    }

    deinit {
        if open { amqp_destroy_connection(connection) }
    }

    /// A plain TCP socket, or for `amqps://` a TLS one that trusts `tls.caFile` and presents the
    /// client certificate when there is one.
    private func openSocket(_ endpoint: BrokerEndpoint, tls: BrokerTLS) throws(BrokerError) -> OpaquePointer {
        guard endpoint.usesTLS else {
            guard let socket = amqp_tcp_socket_new(connection) else { throw .unreachable(endpoint.redacted, "no socket") }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(connection) else { throw .unreachable(endpoint.redacted, "no TLS socket") }
        let caFile = tls.caFile ?? BrokerTLS.systemCAFile
        var status = amqp_ssl_socket_set_cacert(socket, caFile)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .unreachable(endpoint.redacted, "the CA file \(caFile) cannot be used: \(String(cString: amqp_error_string2(status)))")
        }
        if let certificate = tls.certificate, let key = tls.privateKey {
            status = amqp_ssl_socket_set_key(socket, certificate, key)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw .unreachable(endpoint.redacted, "the client certificate \(certificate) or its key cannot be used: \(String(cString: amqp_error_string2(status)))")
            }
        }
        amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, tls.verifyPeer ? 1 : 0)
        return socket
    }

    private func setUp(endpoint: BrokerEndpoint, settings: BrokerSettings, purpose: Purpose) throws(BrokerError) {
        let socket = try openSocket(endpoint, tls: settings.tls)
        var timeout = Self.timeval(settings.connectTimeoutSeconds)
        let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .unreachable(endpoint.redacted, String(cString: amqp_error_string2(status)))
        }
        _ = amqp_set_rpc_timeout(connection, &timeout)
        let login = calltap_amqp_login_plain(connection, endpoint.virtualHost, 0, 131_072, Int32(settings.heartbeatSeconds),
                                             endpoint.user, endpoint.password)
        if var why = describe(login) {
            // TLS 1.3 finishes the handshake before the broker looks at the client's certificate:
            // a broker that wants one it did not get ends the connection at the login.
            if endpoint.usesTLS, why.contains("SSL"), settings.tls.certificate == nil {
                why += " (does the broker ask for a client certificate? cluster.tls.certificate and privateKey)"
            }
            throw .loginRefused(why)
        }
        amqp_channel_open(connection, channel)
        try check("opening a channel")
        if case .announcements(let exchange) = purpose {
            try declareExchange(exchange, type: "topic")
            amqp_confirm_select(connection, channel)
            try check("publisher confirms")
            return
        }
        try declareExchange(settings.blackoutExchange, type: "fanout")
        try declareExchange(settings.screenExchange, type: "topic")
        let queue = settings.effectiveQueueName
        let (durable, exclusive, autoDelete): (amqp_boolean_t, amqp_boolean_t, amqp_boolean_t) = settings.keepsQueue ? (1, 0, 0) : (0, 1, 1)
        _ = withBytes([queue]) { b in
            amqp_queue_declare(connection, channel, b[0], 0, durable, exclusive, autoDelete, amqp_empty_table)
        }
        try check("declaring queue \(queue)")
        _ = withBytes([queue, settings.blackoutExchange, ""]) { b in
            amqp_queue_bind(connection, channel, b[0], b[1], b[2], amqp_empty_table)
        }
        try check("binding queue \(queue) to \(settings.blackoutExchange)")
        for key in settings.screenBindings {
            _ = withBytes([queue, settings.screenExchange, key]) { b in
                amqp_queue_bind(connection, channel, b[0], b[1], b[2], amqp_empty_table)
            }
            try check("binding queue \(queue) to \(settings.screenExchange) for '\(key)'")
        }
        _ = withBytes([queue]) { b in amqp_basic_consume(connection, channel, b[0], amqp_empty_bytes, 0, 1, 1, amqp_empty_table) }
        try check("consuming from \(queue)")
        amqp_confirm_select(connection, channel)
        try check("publisher confirms")
    }

    private func declareExchange(_ name: String, type: String) throws(BrokerError) {
        _ = withBytes([name, type]) { b in amqp_exchange_declare(connection, channel, b[0], b[1], 0, 1, 0, 0, amqp_empty_table) }
        try check("declaring \(type) exchange \(name)")
    }

    /// Publishes one message (persistent, JSON); returns its delivery tag for the confirm.
    func publish(exchange: String, routingKey: String, body: [UInt8], senderId: String,
                 messageId: String? = nil) throws(BrokerError) -> UInt64 {
        let status: Int32 = withBytes([exchange, routingKey, "application/json", senderId, messageId ?? ""]) { b in
            var properties = amqp_basic_properties_t()
            properties._flags = amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_APP_ID_FLAG)
            properties.content_type = b[2]
            properties.delivery_mode = 2
            properties.app_id = b[3]
            if messageId != nil {
                properties._flags |= amqp_flags_t(AMQP_BASIC_MESSAGE_ID_FLAG)
                properties.message_id = b[4]
            }
            return body.withUnsafeBytes { raw in
                let payload = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return amqp_basic_publish(connection, channel, b[0], b[1], 0, 0, &properties, payload)
            }
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .connectionLost("publishing: \(String(cString: amqp_error_string2(status)))")
        }
        defer { nextTag += 1 }
        return nextTag
    }

    /// Waits up to `seconds` for a delivery, a confirm or anything else the broker sends.
    func poll(seconds: Double) throws(BrokerError) -> Event {
        amqp_maybe_release_buffers(connection)
        var envelope = amqp_envelope_t()
        var timeout = Self.timeval(seconds)
        let reply = amqp_consume_message(connection, &envelope, &timeout, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            let properties = envelope.message.properties
            func has(_ flag: Int32) -> Bool { properties._flags & amqp_flags_t(flag) != 0 }
            return .delivery(BrokerDelivery(exchange: Self.string(envelope.exchange), routingKey: Self.string(envelope.routing_key),
                                            senderId: has(AMQP_BASIC_APP_ID_FLAG) ? Self.string(properties.app_id) : nil,
                                            body: Self.bytes(envelope.message.body),
                                            messageId: has(AMQP_BASIC_MESSAGE_ID_FLAG) ? Self.string(properties.message_id) : nil,
                                            contentType: has(AMQP_BASIC_CONTENT_TYPE_FLAG) ? Self.string(properties.content_type) : nil,
                                            deliveryMode: has(AMQP_BASIC_DELIVERY_MODE_FLAG) ? properties.delivery_mode : nil))
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return .idle
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            return try readOtherFrame()
        default:
            throw .connectionLost(describe(reply) ?? "no reply")
        }
    }

    /// A frame that is not a delivery: a confirm, or the broker closing the channel or connection.
    private func readOtherFrame() throws(BrokerError) -> Event {
        var frame = amqp_frame_t()
        var timeout = Self.timeval(1)
        let status = amqp_simple_wait_frame_noblock(connection, &frame, &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw .connectionLost(String(cString: amqp_error_string2(status)))
        }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .idle }
        let method = frame.payload.method
        switch method.id {
        case calltap_amqp_basic_ack_method:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .confirmed(tag: ack.delivery_tag, multiple: ack.multiple != 0)
        case calltap_amqp_basic_nack_method:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .rejected(tag: nack.delivery_tag, multiple: nack.multiple != 0)
        case calltap_amqp_channel_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            throw .connectionLost("the broker closed the channel: \(close.reply_code) \(Self.string(close.reply_text))")
        case calltap_amqp_connection_close_method:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var closeOk = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(connection, 0, calltap_amqp_connection_close_ok_method, &closeOk)
            throw .connectionLost("the broker closed the connection: \(close.reply_code) \(Self.string(close.reply_text))")
        default:
            // connection.blocked/unblocked and the like: confirms stop coming while blocked,
            // and the confirm timeout deals with a broker that stays blocked.
            return .idle
        }
    }

    /// Closes politely (bounded by the RPC timeout) and frees the connection.
    func close() {
        guard open else { return }
        _ = amqp_channel_close(connection, channel, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(connection, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(connection)
        open = false
    }

    /// Drops the connection without the closing handshake (it is already broken).
    func abandon() {
        guard open else { return }
        amqp_destroy_connection(connection)
        open = false
    }

    // MARK: rabbitmq-c plumbing

    private func check(_ what: String) throws(BrokerError) {
        if let why = describe(amqp_get_rpc_reply(connection)) { throw .refused(what, why) }
    }

    /// nil when the reply is normal, else what went wrong.
    private func describe(_ reply: amqp_rpc_reply_t) -> String? {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return nil
        case AMQP_RESPONSE_NONE:
            return "no reply"
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return String(cString: amqp_error_string2(reply.library_error))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == calltap_amqp_connection_close_method {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return "\(close.reply_code) \(Self.string(close.reply_text))"
            }
            if reply.reply.id == calltap_amqp_channel_close_method {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return "\(close.reply_code) \(Self.string(close.reply_text))"
            }
            return "server exception (method \(reply.reply.id))"
        default:
            return "unexpected reply type \(reply.reply_type.rawValue)"
        }
    }

    private static func timeval(_ seconds: Double) -> Glibc.timeval {
        let whole = seconds.rounded(.down)
        return Glibc.timeval(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }

    private static func string(_ bytes: amqp_bytes_t) -> String {
        guard let base = bytes.bytes, bytes.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    private static func bytes(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard let base = bytes.bytes, bytes.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    /// rabbitmq-c keeps pointers to the strings for the call only: give it copies that live
    /// exactly that long.
    private func withBytes<R>(_ strings: [String], _ body: ([amqp_bytes_t]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies.map { amqp_cstring_bytes($0) })
    }
}
