import Testing
import Wire

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("192.168.1.213", "192.168.1.213"),
    ])
    func ipv4RoundTrips(text: String, printed: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.isIPv4)
        #expect(address.description == printed)
    }

    @Test func ipv4ValueIsBigEndianNumber() {
        #expect(IPAddress("10.0.0.1")?.ipv4Value == 0x0A00_0001)
        #expect(IPAddress(ipv4: 0xC0A8_01D5).description == "192.168.1.213")
        #expect(IPAddress("2001:db8::1")?.ipv4Value == nil)
    }

    @Test(arguments: [
        // RFC 5952: lower case, no leading zeros, the longest zero run (first on a tie) as `::`,
        // and never `::` for a single zero group.
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("::", "::"), ("::1", "::1"), ("1::", "1::"), ("fe80::", "fe80::"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("fd17:625c:f037:2:a00:27ff:feb9:1521", "fd17:625c:f037:2:a00:27ff:feb9:1521"),
    ])
    func ipv6PrintsAsRFC5952(text: String, printed: String) throws {
        let address = try #require(IPAddress(text))
        #expect(!address.isIPv4)
        #expect(address.description == printed)
        #expect(IPAddress(address.description) == address)
    }

    @Test func embeddedIPv4() throws {
        // IPv4-mapped addresses are how IPv4 is stored: they are the same value and print as IPv4.
        #expect(IPAddress("::ffff:10.0.0.1") == IPAddress("10.0.0.1"))
        #expect(IPAddress("::FFFF:192.0.2.1")?.description == "192.0.2.1")
        // Other embeddings stay IPv6 and print in hexadecimal groups.
        #expect(IPAddress("64:ff9b::192.0.2.33")?.description == "64:ff9b::c000:221")
        #expect(IPAddress("::1.2.3.4")?.description == "::102:304")
        #expect(IPAddress("1:2:3:4:5:6:1.2.3.4")?.description == "1:2:3:4:5:6:102:304")
    }

    @Test(arguments: [
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "+1.2.3.4", "-0.1.2.3", "01.2.3.4", "1..2.3",
        "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "1.2.3.4/24", "1.2.3.4:5060",
        ":", ":::", "1:::2", "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8",
        "12345::", "g::", "+1::", "::-1", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:1.2.3.256", "1.2.3.4::",
        "[::1", "::1]", "fe80::1%eth0", "２００１::1",
    ])
    func invalidTextIsRefused(text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test func ordersIPv4BeforeIPv6AndNumerically() throws {
        let texts = ["2001:db8::2", "10.0.0.2", "::1", "10.0.0.10", "2001:db8::1"]
        let sorted = try texts.map { try #require(IPAddress($0)) }.sorted().map(\.description)
        #expect(sorted == ["::1", "10.0.0.2", "10.0.0.10", "2001:db8::1", "2001:db8::2"])
    }

    @Test func unspecified() {
        #expect(IPAddress("0.0.0.0")?.isUnspecified == true)
        #expect(IPAddress("::")?.isUnspecified == true)
        #expect(IPAddress("10.0.0.1")?.isUnspecified == false)
    }

    @Test func fromNetworkBytes() {
        let v4: [UInt8] = [192, 0, 2, 1]
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        #expect(v4.withUnsafeBytes { IPAddress(bytes: $0) } == IPAddress("192.0.2.1"))
        #expect(v6.withUnsafeBytes { IPAddress(bytes: $0) } == IPAddress("2001:db8::1"))
    }

    @Test func endpointText() throws {
        #expect(Endpoint(address: try #require(IPAddress("10.0.0.1")), port: 5060).description == "10.0.0.1:5060")
        #expect(Endpoint(address: try #require(IPAddress("2001:db8::1")), port: 5060).description == "[2001:db8::1]:5060")
    }
}
