import Control

/// What `CallMetadata` may hold (docs/API.md, "Recording commands"): string values, at most
/// 64 keys of `[A-Za-z0-9_.-]{1,64}`, values of at most 1024 UTF-8 bytes, and none of the keys
/// the recorder itself owns.
enum CallMetadataRules {
    static let maxKeys = 64
    static let maxKeyLength = 64
    static let maxValueBytes = 1024
    /// Keys the recorder derives from SIP; a client must not overwrite them.
    static let reservedKeys: Set<String> = [
        "ani", "dnis", "callid", "callinstance", "calldirection", "starttime", "endtime", "deviceid",
    ]

    /// The checked metadata, or the first rule it breaks.
    static func validate(_ value: JSONValue) throws(ControlError) -> [String: String] {
        guard case .object(let object) = value else {
            throw ControlError(.badRequest, "'CallMetadata' must be an object, not \(value.typeName)")
        }
        guard object.count <= maxKeys else {
            throw ControlError(.badRequest, "'CallMetadata' has \(object.count) keys; at most \(maxKeys) are allowed")
        }
        var metadata: [String: String] = [:]
        // Sorted so that the error a client sees does not depend on dictionary order.
        for key in object.keys.sorted() {
            guard isValidKey(key) else {
                throw ControlError(.badRequest, "'CallMetadata' key '\(key)' must be 1 to \(maxKeyLength) of A-Z a-z 0-9 _ . -")
            }
            guard !reservedKeys.contains(key.lowercased()) else {
                throw ControlError(.reservedMetadataKey, "'CallMetadata' key '\(key)' is reserved: the recorder sets it")
            }
            guard case .string(let text)? = object[key] else {
                throw ControlError(.badRequest, "'CallMetadata' value of '\(key)' must be a string")
            }
            guard text.utf8.count <= maxValueBytes else {
                throw ControlError(.badRequest, "'CallMetadata' value of '\(key)' is longer than \(maxValueBytes) bytes")
            }
            metadata[key] = text
        }
        return metadata
    }

    static func isValidKey(_ key: String) -> Bool {
        let bytes = key.utf8
        guard (1...maxKeyLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
