/// Why `desk-stream` stops early, with its exit status: 2 for bad input (a file, an address, a
/// codec the user gave), 1 when the recording server refuses or cannot be reached.
enum DeskStreamError: Error, CustomStringConvertible {
    case badInput(String)
    case server(String)

    var description: String {
        switch self {
        case .badInput(let message), .server(let message): message
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .badInput: 2
        case .server: 1
        }
    }
}
