@testable import calltap

/// The problems `check-config` would list for `text` read as `t.yaml`, one line each as
/// `t.yaml:LINE: key.path: what is wrong`; empty when the configuration is valid.
func problems(_ text: String) -> [String] {
    do throws(ConfigurationError) {
        _ = try ConfigurationFile.parse(text, file: "t.yaml")
        return []
    } catch {
        return error.lines
    }
}
