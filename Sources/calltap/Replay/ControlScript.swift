import API
import Control
import Engine
import Foundation

/// A control script for `calltap replay --control`: JSON lines
/// `{"at": 12.5, "command": "Record/UpdateForAgent", "body": {…}}`, `at` in seconds after the
/// capture's first packet or an ISO 8601 time. Each command is parsed by the same code as its
/// HTTP request, so a bad line fails the way the request would, before the replay starts.
struct ControlScript {
    struct Line {
        var number: Int
        var when: ScheduledJob.When
        /// The text of `at`, for the summary.
        var at: String
        var path: String
        var command: ControlCommand
    }

    var lines: [Line]

    static func load(path: String) throws(ControlScriptError) -> ControlScript {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ControlScriptError(message: "cannot read control script \(path)")
        }
        var lines: [Line] = []
        for (index, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let number = index + 1
            func bad(_ why: String) -> ControlScriptError {
                ControlScriptError(message: "\(path):\(number): \(why)")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                throw bad("not a JSON object")
            }
            let when: ScheduledJob.When
            let at: String
            if let iso = object["at"] as? String {
                guard let nanos = ISO8601Time.nanoseconds(from: iso) else { throw bad("'at' is not an ISO 8601 time with offset: \(iso)") }
                when = .at(nanos: nanos)
                at = iso
            } else if let seconds = object["at"] as? Double, seconds.isFinite {
                when = .afterFirstPacket(seconds: seconds)
                at = "\(seconds)"
            } else {
                throw bad("'at' must be seconds after the first packet or an ISO 8601 time")
            }
            guard let command = object["command"] as? String, !command.isEmpty else { throw bad("'command' is missing") }
            let body = object["body"] ?? [String: Any]()
            guard JSONSerialization.isValidJSONObject(body),
                  let bytes = try? JSONSerialization.data(withJSONObject: body) else {
                throw bad("'body' must be a JSON object")
            }
            let parsed: ControlCommand
            do {
                parsed = try CommandRequest.parse(path: command, body: Array(bytes))
            } catch {
                throw bad("\(command): \(error.code.rawValue): \(error.message)")
            }
            lines.append(Line(number: number, when: when, at: at, path: command, command: parsed))
        }
        return ControlScript(lines: lines)
    }
}

/// A control script that cannot be used; the message names the file and line.
struct ControlScriptError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
