import Control
import Foundation
import NIOSSL

/// The API's TLS context, made from `http.tls`'s files, and made again on SIGHUP: each new
/// connection takes the current one, so a renewed certificate is served without a restart and
/// connections already open keep theirs. A reload that fails keeps the context that works.
public final class TLSContextSource: @unchecked Sendable {
    // @unchecked: `context` is read and replaced under `lock`.
    public let files: ServerConfiguration.TLSFiles
    private let lock = NSLock()
    private var context: NIOSSLContext

    /// Why the files do not make a TLS context.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ files: ServerConfiguration.TLSFiles) throws(Failure) {
        self.files = files
        context = try Self.context(files)
    }

    var current: NIOSSLContext { lock.withLock { context } }

    /// Reads the files again; the new certificate serves the next connections.
    public func reload() throws(Failure) {
        let fresh = try Self.context(files)
        lock.withLock { context = fresh }
    }

    private static func context(_ files: ServerConfiguration.TLSFiles) throws(Failure) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificate)
        } catch {
            throw Failure(description: "http.tls.certificate '\(files.certificate)': \(error)")
        }
        guard !chain.isEmpty else { throw Failure(description: "http.tls.certificate '\(files.certificate)' holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
        } catch {
            throw Failure(description: "http.tls.privateKey '\(files.privateKey)': \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA = files.clientCA {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            } catch {
                throw Failure(description: "http.tls.clientCA '\(clientCA)': \(error)")
            }
            // A client must present a certificate that chains to the CA; its name is not checked.
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "http.tls: the certificate and key do not make a TLS context: \(error)")
        }
    }
}
