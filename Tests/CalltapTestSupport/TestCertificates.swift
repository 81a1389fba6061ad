import Foundation

/// Certificates made with openssl for a test, in `directory`: CAs (`NAME.pem`, `NAME.key`) and
/// the server and client certificates they sign (`NAME.pem`, `NAME.key`).
public struct TestCertificates: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func path(_ name: String) -> String { "\(directory)/\(name).pem" }
    public func keyPath(_ name: String) -> String { "\(directory)/\(name).key" }

    /// A self-signed CA.
    public func makeCA(_ name: String) throws {
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(name)",
                     "-keyout", keyPath(name), "-out", path(name)])
    }

    /// A certificate for `subject` signed by `ca`: a client's, or a server's for `serverNames`
    /// (`IP:127.0.0.1`, `DNS:localhost`).
    public func issue(_ name: String, subject: String, by ca: String, client: Bool = false,
                      serverNames: [String] = ["IP:127.0.0.1"]) throws {
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(subject)",
                     "-keyout", keyPath(name), "-out", "\(directory)/\(name).csr"])
        try (client ? "extendedKeyUsage=clientAuth\n"
                    : "subjectAltName=\(serverNames.joined(separator: ","))\nextendedKeyUsage=serverAuth\n")
            .write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", path(ca), "-CAkey", keyPath(ca),
                     "-CAcreateserial", "-days", "2", "-extfile", "\(directory)/\(name).ext", "-out", path(name)])
        // Readable by a broker running as another user (Debian's rabbitmq-server drops to rabbitmq).
        chmod(keyPath(name), 0o644)
    }

    private func openssl(_ arguments: [String]) throws {
        let log = "\(directory)/openssl-\(UUID().uuidString.prefix(8)).log"
        let status = try ChildProcess.run(["/usr/bin/openssl"] + arguments, logPath: log, timeout: 30)
        guard status == 0 else {
            throw TestSupportError("openssl \(arguments.first ?? "") exited \(status): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
    }
}
