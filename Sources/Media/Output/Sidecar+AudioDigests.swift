extension Sidecar {
    /// What each audio file on disk must hash to, by the name the sidecar gives it (a file name
    /// in the sidecar's folder).
    public func storedAudioDigests() -> [(file: String, sha256: String)] {
        if let files = audio.files { return files.map { ($0.file, $0.sha256) } }
        if let file = audio.file { return [(file, sha256)] }
        return []
    }
}
