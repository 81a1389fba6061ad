import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A `calltap serve --config FILE` process for end-to-end tests: started, found by the address it
/// logs (`HTTP API listening address=HOST:PORT`), asked over HTTP, and stopped (SIGTERM) or killed.
public final class LiveServer: @unchecked Sendable {
    public let configPath: String
    public let logPath: String
    public let process: Process
    /// `http://HOST:PORT`.
    public private(set) var baseURL = ""

    /// Starts the server and waits (at most `timeout` seconds) until it says where it listens.
    /// With `descriptorLimit`, the server starts under that soft and hard `RLIMIT_NOFILE`
    /// (util-linux `prlimit`, which sets it and then runs calltap in its place). `environment` is
    /// added to this process's own.
    public init(config configPath: String, logPath: String, timeout: Double = 30, descriptorLimit: Int? = nil,
                environment: [String: String] = [:]) async throws {
        self.configPath = configPath
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", CalltapProcess.binary, "serve", "--config", configPath]
        } else {
            process.executableURL = URL(fileURLWithPath: CalltapProcess.binary)
            process.arguments = ["serve", "--config", configPath]
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        do {
            let address = try await Deadline.poll("serve to log its HTTP address (log: \(logPath))", timeout: timeout) { [self] in
                if !process.isRunning {
                    throw TestSupportError("calltap serve exited with \(process.terminationStatus): \(self.log)")
                }
                return Self.listeningAddress(in: self.log)
            }
            baseURL = "http://" + address
        } catch {
            kill()
            throw error
        }
    }

    /// What the server wrote on standard output and error so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    static func listeningAddress(in log: String) -> String? {
        for line in log.split(separator: "\n") where line.contains("HTTP API listening") {
            guard let range = line.range(of: "address=") else { continue }
            let rest = line[range.upperBound...]
            let address = rest.prefix { !$0.isWhitespace && $0 != "]" && $0 != "," }
            if !address.isEmpty { return String(address) }
        }
        return nil
    }

    /// Graceful stop: SIGTERM, then the exit status (SIGKILL and a failure after `timeout` s).
    @discardableResult
    public func terminate(timeout: Double = 30) async throws -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        Glibc.kill(process.processIdentifier, SIGTERM)
        do {
            try await Deadline.poll("serve to exit after SIGTERM", timeout: timeout) { [process] in
                process.isRunning ? nil : true
            }
        } catch {
            kill()
            throw error
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `kill -9`: no chance to close anything. Waits until the process is gone.
    public func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    // MARK: HTTP

    /// The answer to one request: status and JSON body (nil when the body is not JSON).
    public struct Reply: @unchecked Sendable {
        public var status: Int
        public var body: Data
        public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        public var object: [String: Any] { json as? [String: Any] ?? [:] }
        public var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func get(_ pathAndQuery: String) async throws -> Reply {
        try await request("GET", pathAndQuery, body: nil)
    }

    public func post(_ path: String, _ body: [String: Any]) async throws -> Reply {
        try await request("POST", path, body: try JSONSerialization.data(withJSONObject: body))
    }

    public func request(_ method: String, _ pathAndQuery: String, body: Data?, headers: [String: String] = [:]) async throws -> Reply {
        guard let url = URL(string: baseURL + pathAndQuery) else { throw TestSupportError("bad URL \(pathAndQuery)") }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? -1, body: data)
    }

    /// `GET /api/Agent?agentIdentifier=Phone&value=PHONE`, the agent object.
    public func agent(phone: String) async throws -> [String: Any] {
        let reply = try await get("/api/Agent?agentIdentifier=Phone&value=\(phone)")
        guard reply.status == 200 else { throw TestSupportError("GET /api/Agent for \(phone): \(reply.status) \(reply.text)") }
        return reply.object
    }

    /// `GET /api/Recordings?callInstance=…`, its items.
    public func recordings(callInstance: String) async throws -> [[String: Any]] {
        let escaped = callInstance.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? callInstance
        let reply = try await get("/api/Recordings?callInstance=\(escaped)")
        guard reply.status == 200 else { throw TestSupportError("GET /api/Recordings: \(reply.status) \(reply.text)") }
        return reply.object["Items"] as? [[String: Any]] ?? []
    }
}

/// Bounded waiting: every wait in a live test has a deadline, and says what it waited for.
public enum Deadline {
    /// Calls `body` every `interval` seconds until it returns a value; fails after `timeout` seconds.
    @discardableResult
    public static func poll<T>(_ what: String, timeout: Double, interval: Double = 0.1,
                               _ body: () async throws -> T?) async throws -> T {
        let end = Date().addingTimeInterval(timeout)
        var lastError: (any Error)?
        while true {
            do {
                if let value = try await body() { return value }
                lastError = nil
            } catch let error as TestSupportError {
                throw error
            } catch {
                lastError = error
            }
            if Date() >= end {
                throw TestSupportError("timed out after \(timeout) s waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? ""))
            }
            try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }
}

/// Loopback ports for a live test: ones no UDP or TCP socket holds now, from a range that the
/// kernel does not hand out as ephemeral ports.
public enum LivePorts {
    /// `count` consecutive free ports starting at an even number, chosen at random in 20000..<30000.
    public static func freeBlock(_ count: Int) throws -> Int {
        let used = boundPorts()
        for _ in 0..<500 {
            let base = Int.random(in: 10_000..<15_000 - count / 2) * 2
            if !(base..<(base + count)).contains(where: used.contains) { return base }
        }
        throw TestSupportError("no block of \(count) free ports")
    }

    /// Every local port a UDP or TCP socket (v4 or v6) is bound to, from /proc/net.
    public static func boundPorts() -> Set<Int> {
        var ports = Set<Int>()
        for table in ["udp", "udp6", "tcp", "tcp6"] {
            guard let text = try? String(contentsOfFile: "/proc/net/" + table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 1, let colon = fields[1].lastIndex(of: ":"),
                      let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) else { continue }
                ports.insert(port)
            }
        }
        return ports
    }

    /// Whether a UDP socket is bound to `ip:port` (or to the port on every address).
    public static func isUDPBound(ip: String, port: Int) -> Bool {
        let octets = ip.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return false }
        // /proc/net/udp prints the address as the 32-bit value in host (little-endian) order.
        let hex = octets.reversed().map { String(format: "%02X", $0) }.joined()
        let wanted = [hex + ":" + String(format: "%04X", port), "00000000:" + String(format: "%04X", port)]
        // Read to its end: a /proc file reports size 0, and a read sized by that stops at the
        // first page (about 30 sockets), so a port bound later was never found.
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/udp"),
              let data = try? handle.readToEnd() else { return false }
        try? handle.close()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").dropFirst().contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 1 && wanted.contains(String(fields[1]))
        }
    }
}
