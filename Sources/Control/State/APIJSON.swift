import Foundation

/// How the API writes JSON: the one encoder of every answer (the API's `JSONResponse`, and the
/// agent answers the snapshots keep encoded). Property names come from each type's PascalCase `CodingKeys`.
public enum APIJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
