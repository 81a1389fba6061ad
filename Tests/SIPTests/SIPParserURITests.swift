import SIP
import Testing

/// SIP and tel URIs and name-addr values on their own.
@Suite struct SIPParserURITests {
    @Test func sipURIs() throws {
        #expect(SIPURI("sip:alice@atlanta.example.com") == SIPURI(scheme: "sip", user: "alice", host: "atlanta.example.com"))
        #expect(SIPURI("SIP:alice:secret@h:5060;Transport=TCP;lr?Subject=x")
            == SIPURI(scheme: "sip", user: "alice", host: "h", port: 5060, parameters: ["transport": "TCP", "lr": ""]))
        #expect(SIPURI("sips:%61lice%2b1@[2001:DB8::1]:5061") == SIPURI(
            scheme: "sips", user: "alice+1", host: "2001:DB8::1", port: 5061))
        #expect(SIPURI("sip:+4930123;npdi;rn=+4930999@gw.example.com;user=phone")
            == SIPURI(scheme: "sip", user: "+4930123;npdi;rn=+4930999", host: "gw.example.com", parameters: ["user": "phone"]))
        #expect(SIPURI("sip:h:")?.port == nil)
        #expect(SIPURI("sip:bad%zzescape@h")?.user == "bad%zzescape")
        #expect(SIPURI("sip:%@h")?.user == "%")
        #expect(SIPURI("sip:2001:db8::1")?.host == "2001:db8::1")
        #expect(SIPURI("urn:service:sos") == SIPURI(scheme: "urn", host: "service:sos"))

        for broken in ["", "sip:", "sip:@", "sip:a@", ":a@h", "sip a@h", "sip:h:65536", "sip:h:-1", "sip:[::1", "sip:[]",
                       "sip:[::1]x", "sip:a:b:c", "tel:", "tel:;phone-context=x", "1sip:h"] {
            #expect(SIPURI(broken) == nil, "\(broken)")
        }
    }

    @Test func telURIs() {
        let uri = SIPURI("tel:+1-201-555-0123;ext=42;phone-context=+1")
        #expect(uri?.scheme == "tel")
        #expect(uri?.user == "+1-201-555-0123")
        #expect(uri?.host == "")
        #expect(uri?.port == nil)
        #expect(uri?.parameters == ["ext": "42", "phone-context": "+1"])
    }

    @Test func descriptions() {
        #expect(SIPURI("sip:alice@[2001:db8::1]:5060;transport=tcp;lr")?.description == "sip:alice@[2001:db8::1]:5060;lr;transport=tcp")
        #expect(SIPURI("tel:+15551234;phone-context=x")?.description == "tel:+15551234;phone-context=x")
    }

    @Test func nameAddresses() throws {
        let quoted = try #require(NameAddress(#""Doe, \"J\"" <sip:j@h>;tag=9;+sip.instance="<urn:uuid:1>""#))
        #expect(quoted.displayName == #"Doe, "J""#)
        #expect(quoted.tag == "9")
        #expect(quoted.parameters["+sip.instance"] == "<urn:uuid:1>")

        #expect(NameAddress("Bob Smith <sip:b@h>")?.displayName == "Bob Smith")
        #expect(NameAddress("<sip:b@h;transport=udp>;tag=")?.tag == nil)
        #expect(NameAddress("<sip:b@h;transport=udp>")?.uri.parameters == ["transport": "udp"])
        #expect(NameAddress(#""" <sip:b@h>"#)?.displayName == nil)
        #expect(NameAddress("sip:b@h;tag=x;TAG=y")?.tag == "x")

        for broken in ["", "   ", "\"open <sip:b@h>", "\"name\" sip:b@h", "<sip:b@h", "Bob", "<>", "<sip:>"] {
            #expect(NameAddress(broken) == nil, "\(broken)")
        }
    }
}
