import API
import Control
import Testing

/// The parser HTTP routes and control scripts share.
@Suite struct CommandRequestTests {
    private func parse(_ path: String, _ json: String) throws(ControlError) -> ControlCommand {
        try CommandRequest.parse(path: path, body: Array(json.utf8))
    }

    private func failure(_ path: String, _ json: String) -> ControlError? {
        do {
            _ = try parse(path, json)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryRecordAction() throws {
        for action in RecordCommand.Action.allCases {
            let body = action == .update
                ? #"{"AgentIdentifier": "Phone", "Value": "5003", "CallMetadata": {"user1": "x"}}"#
                : #"{"AgentIdentifier": "Phone", "Value": "5003"}"#
            let command = try parse("Record/\(action.rawValue)", body)
            guard case .record(let record) = command else { Issue.record("not a record command"); continue }
            #expect(record.action == action)
            #expect(record.agent == AgentReference(kind: .phone, value: "5003"))
        }
    }

    @Test func parsesEveryScreenAction() throws {
        for action in ScreenCommand.Action.allCases {
            let command = try parse("ScreenRecord/\(action.rawValue)",
                                    #"{"AgentIdentifier": "Id", "Value": 2, "CallMetadata": {"k": "v"}, "ScreenRecordingIdentifier": "s-1"}"#)
            #expect(command == .screen(ScreenCommand(action: action, agent: .init(kind: .id, value: "2"), metadata: ["k": "v"],
                                                     screenRecordingIdentifier: action == .start ? nil : "s-1")))
        }
    }

    @Test func propertyNamesAndPathIgnoreCase() throws {
        let command = try parse("/api/record/updateforagent",
                                #"{"agentidentifier": "systemusername", "VALUE": "me", "callmetadata": {"User1": "a"}}"#)
        #expect(command == .record(RecordCommand(action: .update, agent: .init(kind: .systemUsername, value: "me"),
                                                 metadata: ["User1": "a"])))
    }

    @Test func acceptsOldScreenRecordingIdentifierSpelling() throws {
        let command = try parse("ScreenRecord/StopForAgent",
                                #"{"AgentIdentifier": "Id", "Value": "2", "ScreenRecordingidentifier": "abc"}"#)
        #expect(command == .screen(ScreenCommand(action: .stop, agent: .init(kind: .id, value: "2"), screenRecordingIdentifier: "abc")))
    }

    @Test func numbersAreValuesToo() throws {
        #expect(try parse("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": 2}"#)
                == .record(RecordCommand(action: .start, agent: .init(kind: .id, value: "2"))))
        #expect(try parse("Record/StartDuplicateForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "CallIdentifier": 99}"#)
                == .record(RecordCommand(action: .startDuplicate, agent: .init(kind: .id, value: "2"), callIdentifier: "99")))
    }

    @Test func everyIdentifierKindParses() throws {
        for kind in AgentIdentifierKind.allCases {
            let command = try parse("Record/StopForAgent", #"{"AgentIdentifier": "\#(kind.rawValue.uppercased())", "Value": "v"}"#)
            #expect(command == .record(RecordCommand(action: .stop, agent: .init(kind: kind, value: "v"))))
        }
    }

    @Test func malformedBodiesAreBadRequests() {
        // Foundation's parser accepts a trailing comma in an object, so that is not in this list.
        for body in ["", "{", "[]", "\"text\"", "42", #"{"AgentIdentifier": "Id", "Value": "2""#, "{\"a\": \u{0}}", "{'a': 1}"] {
            #expect(failure("Record/StartForAgent", body)?.code == .badRequest, "body: \(body)")
        }
    }

    @Test func sameNameTwiceInDifferentCaseIsABadRequest() {
        let error = failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "agentidentifier": "Phone", "Value": "2"}"#)
        #expect(error?.code == .badRequest)
    }

    @Test func missingParameters() {
        #expect(failure("Record/StartForAgent", #"{"Value": "2"}"#)?.code == .missingParameter)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id"}"#)?.code == .missingParameter)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": null}"#)?.code == .missingParameter)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": ""}"#)?.code == .missingParameter)
        #expect(failure("Record/UpdateForAgent", #"{"AgentIdentifier": "Id", "Value": "2"}"#)?.code == .missingParameter)
        #expect(failure("ScreenRecord/UpdateForAgent", #"{"AgentIdentifier": "Id", "Value": "2"}"#)?.code == .missingParameter)
    }

    @Test func unknownIdentifiers() {
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Extension", "Value": "2"}"#)?.code == .invalidIdentifier)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": 3, "Value": "2"}"#)?.code == .invalidIdentifier)
    }

    @Test func wrongTypes() {
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": true}"#)?.code == .badRequest)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": {"a": 1}}"#)?.code == .badRequest)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": "x"}"#)?.code == .badRequest)
        #expect(failure("Record/StartForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"a": 1}}"#)?.code == .badRequest)
    }

    @Test func reservedMetadataKeysIgnoreCase() {
        for key in ["ani", "DNIS", "CallId", "callinstance", "CALLDIRECTION", "starttime", "EndTime", "deviceid"] {
            let error = failure("Record/UpdateForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"\#(key)": "x"}}"#)
            #expect(error?.code == .reservedMetadataKey, "key \(key)")
            #expect(error?.message.contains(key) == true)
        }
    }

    @Test func metadataLimits() throws {
        func update(_ metadata: String) -> ControlError? {
            failure("Record/UpdateForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": \#(metadata)}"#)
        }
        let sixtyFour = (1...64).map { #""k\#($0)": "v""# }.joined(separator: ",")
        let sixtyFive = (1...65).map { #""k\#($0)": "v""# }.joined(separator: ",")
        #expect(update("{\(sixtyFour)}") == nil)
        #expect(update("{\(sixtyFive)}")?.code == .badRequest)

        let longestKey = String(repeating: "k", count: 64)
        #expect(update(#"{"\#(longestKey)": "v"}"#) == nil)
        #expect(update(#"{"\#(longestKey)k": "v"}"#)?.code == .badRequest)
        #expect(update(#"{"": "v"}"#)?.code == .badRequest)
        for key in ["a b", "a/b", "é", "a:b", "a\\u0000"] {
            #expect(update(#"{"\#(key)": "v"}"#)?.code == .badRequest, "key \(key)")
        }
        #expect(update(#"{"A-Z_a.z-09": "v"}"#) == nil)

        // 1024 bytes of UTF-8: 512 two-byte characters pass, one more byte does not.
        let twoByte = String(repeating: "é", count: 512)
        #expect(update(#"{"k": "\#(twoByte)"}"#) == nil)
        #expect(update(#"{"k": "\#(twoByte)x"}"#)?.code == .badRequest)
        #expect(update(#"{"k": "\#(String(repeating: "x", count: 1025))"}"#)?.code == .badRequest)
    }

    @Test func metadataIsCarriedAsGiven() throws {
        let command = try parse("Record/StartForAgent",
                                #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"user1": "ä ö", "account.no": ""}}"#)
        #expect(command == .record(RecordCommand(action: .start, agent: .init(kind: .id, value: "2"),
                                                 metadata: ["user1": "ä ö", "account.no": ""])))
    }

    @Test func blackoutTimesAndOffsets() throws {
        let start = try parse("Blackout/StartForAgent",
                              #"{"agentIdentifier": "Id", "value": "2", "blackoutStartTime": "2026-11-22T10:15:30.250+01:00", "TimeOffset": -3}"#)
        #expect(start == .blackout(BlackoutCommand(action: .start, agent: .init(kind: .id, value: "2"),
                                                   time: 1_795_338_930_250_000_000, timeOffsetSeconds: -3)))
        let stop = try parse("Blackout/StopForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "TimeOffset": 5}"#)
        #expect(stop == .blackout(BlackoutCommand(action: .stop, agent: .init(kind: .id, value: "2"), time: nil, timeOffsetSeconds: 5)))
        #expect(try parse("Blackout/StopForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "TimeOffset": "-31622400"}"#)
            == .blackout(BlackoutCommand(action: .stop, agent: .init(kind: .id, value: "2"), time: nil, timeOffsetSeconds: -31_622_400)))
        // Past a year either way, as a number or as text: 400 (a string of 10^11 s once trapped
        // the server when made nanoseconds).
        for bad in [#""BlackoutStartTime": "yesterday""#, #""TimeOffset": 1.5"#, #""TimeOffset": "soon""#, #""TimeOffset": true"#,
                    #""TimeOffset": "99999999999""#, #""TimeOffset": "-9223372036854775807""#, #""TimeOffset": 31622401"#,
                    #""TimeOffset": -1e300"#] {
            #expect(failure("Blackout/StartForAgent", #"{"AgentIdentifier": "Id", "Value": "2", \#(bad)}"#)?.code == .badRequest, "\(bad)")
        }
    }

    /// What a .NET client sends without a format string: `DateTimeOffset.ToString()` in the
    /// invariant culture, the round-trip form with 7 digits, and a `DateTime` with no offset (a
    /// time of the configured zone, placed by the control plane).
    @Test(arguments: [
        ("11/22/2026 10:15:30 +01:00", 1_795_338_930_000_000_000, false),
        ("11/22/2026 09:15:30 +00:00", 1_795_338_930_000_000_000, false),
        ("2026-11-22T10:15:30.2500000+01:00", 1_795_338_930_250_000_000, false),
        ("2026-11-22T09:15:30.25Z", 1_795_338_930_250_000_000, false),
        ("2026-11-22T09:15:30.25", 1_795_338_930_250_000_000, true),
        ("11/22/2026 09:15:30", 1_795_338_930_000_000_000, true),
        ("2026-11-22 09:15:30", 1_795_338_930_000_000_000, true),
        ("02/29/2028 00:00:00 -05:30", 1_835_415_000_000_000_000, false),
    ] as [(String, Int64, Bool)])
    func blackoutTimesAsDotNetWritesThem(text: String, nanos: Int64, isLocal: Bool) throws {
        let command = try parse("Blackout/StartForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "BlackoutStartTime": "\#(text)"}"#)
        #expect(command == .blackout(BlackoutCommand(action: .start, agent: .init(kind: .id, value: "2"), time: nanos,
                                                     timeIsLocal: isLocal)))
    }

    @Test(arguments: ["13/22/2026 09:15:30", "02/30/2026 10:00:00", "2026-11-22T25:00:00", "11/22/26 10:15:30",
                      "11/22/2026 10:15:30 +15:00", "11/22/2026", "2026-11-22T10:15:30.1234567890", "11/22/2026 10:15:30 PM"])
    func timesThatAreNotTimes(text: String) {
        let error = failure("Blackout/StartForAgent", #"{"AgentIdentifier": "Id", "Value": "2", "BlackoutStartTime": "\#(text)"}"#)
        #expect(error?.code == .badRequest, "\(text)")
    }

    @Test func unknownCommandsAreBadRequests() {
        for path in ["Record/Explode", "Blackout/Explode", "Record", "", "Record/StartForAgent/x"] {
            let error = failure(path, #"{"AgentIdentifier": "Id", "Value": "2"}"#)
            #expect(error?.code == .badRequest, "path \(path)")
        }
    }

    @Test func commandPathsListEveryCommand() {
        #expect(CommandRequest.commandPaths.count
            == RecordCommand.Action.allCases.count + ScreenCommand.Action.allCases.count + BlackoutCommand.Action.allCases.count
               + 1 + FaceToFaceCommand.Steering.Action.allCases.count + 1)
        #expect(CommandRequest.commandPaths.contains("F2F/Recordings/{id}/Tags"))
        #expect(CommandRequest.commandPaths.contains("Blackout/StopForAgent"))
        #expect(CommandRequest.commandPaths.contains("Record/StartDuplicateForAgent"))
        #expect(CommandRequest.commandPaths.contains("ScreenRecord/UpdateForAgent"))
    }
}
