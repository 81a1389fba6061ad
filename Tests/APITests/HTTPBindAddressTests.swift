import API
import Testing

@Suite struct HTTPBindAddressTests {
    @Test func parsesHostsAndPorts() throws {
        #expect(try HTTPBindAddress(parsing: "127.0.0.1:8080") == HTTPBindAddress(host: "127.0.0.1", port: 8080))
        #expect(try HTTPBindAddress(parsing: "[::1]:9000") == HTTPBindAddress(host: "::1", port: 9000))
        #expect(try HTTPBindAddress(parsing: "0.0.0.0:0").port == 0)
        #expect(try HTTPBindAddress(parsing: "localhost:80").isLoopback)
        #expect(try HTTPBindAddress(parsing: "[::1]:80").isLoopback)
        #expect(try !HTTPBindAddress(parsing: "0.0.0.0:80").isLoopback)
    }

    @Test func refusesOtherText() {
        for text in ["", "8080", ":8080", "host:", "host:http", "host:70000", "::1:8080", "[::1]", "host:-1"] {
            #expect(throws: APIConfigurationError.invalidBindAddress(text), "\(text)") { try HTTPBindAddress(parsing: text) }
        }
    }
}
