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
    ],
    targets: [
        // System libraries.
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .systemLibrary(name: "CBcg729", pkgConfig: "libbcg729", providers: [.apt(["libbcg729-dev"])]),

        // Frame → L4 decoding.
        .target(name: "Wire"),
        // SIP and SDP parsing, dialogs, calls, metadata.
        .target(name: "SIP", dependencies: ["Wire"]),
        // RTP, codecs, timeline, gate, sound files, quality statistics.
        .target(name: "Media", dependencies: [
            "CSndfile", "COpus", "CSpanDSP", "CBcg729",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Packet sources, classifier, flow table, threads, commands, events.
        .target(name: "Engine", dependencies: [
            "Wire", "SIP", "Media", "CPcap",
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "calltap", dependencies: [
            "Engine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // Test helpers: reading sound files back, tone analysis, pcap writing.
        .target(name: "CalltapTestSupport", dependencies: ["CSndfile", "COpus", "CSpanDSP", "CBcg729"], path: "Tests/CalltapTestSupport"),
        .testTarget(name: "WireTests", dependencies: ["Wire", "CalltapTestSupport"]),
        .testTarget(name: "SIPTests", dependencies: ["SIP", "Wire", "CalltapTestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "CalltapTestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "CalltapTestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["calltap", "CalltapTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
