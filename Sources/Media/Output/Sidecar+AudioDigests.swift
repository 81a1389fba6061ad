extension Sidecar {
    /// What each audio file on disk must hash to, by the name the sidecar gives it (a file name
    /// in the sidecar's folder): the stored digests when the audio is encrypted, else the plain.
    public func storedAudioDigests() -> [(file: String, sha256: String)] {
        let plain = audio.files.map { $0.map { ($0.file, $0.sha256) } } ?? audio.file.map { [($0, sha256)] } ?? []
        return plain.map { name, digest in
            (name, encryption?.files.first { $0.file == name }?.sha256 ?? digest)
        }
    }

    /// The audio files' names, in the sidecar's folder.
    public var audioFileNames: [String] {
        audio.files.map { $0.map(\.file) } ?? audio.file.map { [$0] } ?? []
    }
}
