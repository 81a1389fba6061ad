import Control
import Foundation
import Testing

/// A screen recording in the agent's state: written as the documented wire format spells it
/// (`ScreenRecordingidentifier`), read in either spelling (agent documents of earlier builds).
@Suite struct ScreenRecordingViewCodingTests {
    @Test func writesTheDocumentedSpellingAndReadsBoth() throws {
        let view = AgentState.ScreenRecordingView(relatedCallInstance: nil, screenRecordingIdentifier: "s-1", recordingState: .recording)
        let json = try #require(JSONSerialization.jsonObject(with: try JSONEncoder().encode(view)) as? [String: Any])
        #expect(Set(json.keys) == ["RelatedCallInstance", "ScreenRecordingidentifier", "RecordingState"])
        #expect(json["ScreenRecordingidentifier"] as? String == "s-1")
        for key in ["ScreenRecordingidentifier", "ScreenRecordingIdentifier"] {
            let stored = #"{"RelatedCallInstance": "c-1", "\#(key)": "s-2", "RecordingState": "Stopped"}"#
            let read = try JSONDecoder().decode(AgentState.ScreenRecordingView.self, from: Data(stored.utf8))
            #expect(read == AgentState.ScreenRecordingView(relatedCallInstance: "c-1", screenRecordingIdentifier: "s-2", recordingState: .stopped))
        }
    }
}
