extension Sidecar {
    /// What each audio file on disk must hash to, by the name the sidecar gives it (a file name
    /// in the sidecar's folder): the stored digests when the audio is encrypted, else the plain.
    public func storedAudioDigests() -> [(file: String, sha256: String)] {
        plainAudioDigests().map { name, digest in
            (name, encryption?.files.first { $0.file == name }?.sha256 ?? digest)
        }
    }

    /// What each audio file holds, plain (as the API serves it), by the name the sidecar gives it.
    public func plainAudioDigests() -> [(file: String, sha256: String)] {
        audio.files.map { $0.map { ($0.file, $0.sha256) } } ?? audio.file.map { [($0, sha256)] } ?? []
    }

    /// The audio files' names, in the sidecar's folder.
    public var audioFileNames: [String] { plainAudioDigests().map(\.file) }
}
