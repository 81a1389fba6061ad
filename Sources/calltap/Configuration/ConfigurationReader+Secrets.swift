import Foundation
import Yams

extension ConfigurationReader {
    /// A secret given in one of three ways: inline (`valueKey`), in a file (`<…>File`: its
    /// contents, a trailing newline dropped), or in an environment variable (`<…>Env`), so that
    /// keys and passwords need not sit in the configuration. Two ways at once, a file that cannot
    /// be read, or an empty or unset variable is a problem. nil when none is given (and then a
    /// problem too if `required`).
    func secret(_ entry: ConfigurationSection, value valueKey: String, file fileKey: String, env envKey: String,
                required: Bool) -> String? {
        let given = [valueKey, fileKey, envKey].filter { entry[$0] != nil }
        guard given.count <= 1 else {
            report("give one of \(given.joined(separator: ", ")), not several", at: entry.path(given[1]), node: entry[given[1]]!)
            return nil
        }
        guard let key = given.first, let node = entry[key] else {
            if required {
                report("\(valueKey), \(fileKey) or \(envKey) is required", at: entry.path, line: entry.line)
            }
            return nil
        }
        guard let text = text(node, at: entry.path(key), allowEmpty: false) else { return nil }
        switch key {
        case fileKey:
            guard let data = FileManager.default.contents(atPath: text) else {
                report("cannot read '\(text)': \(String(cString: strerror(errno)))", at: entry.path(key), node: node)
                return nil
            }
            var secret = String(decoding: data, as: UTF8.self)
            while let last = secret.last, last == "\n" || last == "\r" { secret.removeLast() }
            guard !secret.isEmpty else {
                report("'\(text)' is empty", at: entry.path(key), node: node)
                return nil
            }
            return secret
        case envKey:
            guard let secret = ProcessInfo.processInfo.environment[text], !secret.isEmpty else {
                report("the environment variable \(text) is not set or empty", at: entry.path(key), node: node)
                return nil
            }
            return secret
        default:
            return text
        }
    }
}
