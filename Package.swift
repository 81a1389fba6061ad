// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "calltap",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "calltap", targets: ["calltap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Tests only: parses and validates the OpenAPI document.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0"),
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .systemLibrary(name: "CBcg729", pkgConfig: "libbcg729", providers: [.apt(["libbcg729-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CPrefetch"),
        // rabbitmq-c's variadic amqp_login and the method numbers Swift cannot import.
        .target(name: "AMQPShim", dependencies: ["CRabbitMQ"]),
        // libsrtp's ciphers and HMAC on OpenSSL's libcrypto: nothing allocated per packet.
        .target(name: "SRTPCrypto", dependencies: ["CSRTP"], linkerSettings: [.linkedLibrary("crypto")]),
        // OpenSSL's TLS client for desk-stream's blocking HTTPS requests.
        .target(name: "TLSClient", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // Frame → L4 decoding.
        .target(name: "Wire", swiftSettings: hotPath),
        // SIP and SDP parsing, dialogs, calls, metadata.
        .target(name: "SIP", dependencies: ["Wire"]),
        // RTP, SRTP, codecs, timeline, gate, sound files, quality statistics.
        .target(name: "Media", dependencies: [
            "CSndfile", "COpus", "CSpanDSP", "CBcg729", "CSRTP", "SRTPCrypto", "CPrefetch",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPath),
        // Packet sources, classifier, flow table, threads, commands, events.
        .target(name: "Engine", dependencies: [
            "Wire", "SIP", "Media", "CPcap", "CPrefetch",
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        // Agents, tracker, recording policy, persistence, cluster bus: the one writer of agent state.
        .target(name: "Control", dependencies: [
            "Engine", "Media", "SIP", "Wire", "CRabbitMQ", "AMQPShim",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // HTTP routes, request and response types, the OpenAPI document.
        .target(name: "API", dependencies: [
            "Control",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.embedInCode("OpenAPI/openapi.yaml")]),
        .executableTarget(name: "calltap", dependencies: [
            "Engine", "Control", "API", "Media", "TLSClient",
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // Test helpers: reading sound files back, tone analysis, pcap writing.
        .target(name: "CalltapTestSupport", dependencies: ["CSndfile", "COpus", "CSpanDSP", "CBcg729"], path: "Tests/CalltapTestSupport"),
        .testTarget(name: "WireTests", dependencies: ["Wire", "CalltapTestSupport"]),
        .testTarget(name: "SIPTests", dependencies: ["SIP", "Wire", "CalltapTestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "CSRTP", "CalltapTestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CalltapTestSupport"]),
        .testTarget(name: "ControlTests", dependencies: ["Control", "Engine", "CalltapTestSupport"]),
        .testTarget(name: "APITests", dependencies: [
            "API", "Control", "Engine", "Wire", "CalltapTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "OpenAPIKit", package: "OpenAPIKit"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["calltap", "Control", "CalltapTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

/// The modules every RTP packet passes through are single-threaded by design (each object has one
/// owning thread) and are checked for overlapping accesses in debug builds and tests; release
/// builds skip the dynamic exclusivity checks there, which cost about 7 % of the CPU per packet
/// (`swift_beginAccess` on every class property a packet touches).
var hotPath: [SwiftSetting] {
    [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
}
