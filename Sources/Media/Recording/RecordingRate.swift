/// The sample rate a recording's file opens with, from the codecs the call's SDPs allow:
/// 16 kHz when any decodable codec is wideband, else 8 kHz.
public enum RecordingRate {
    public static func choose(for maps: [PayloadMap]) -> Int {
        let wideband = maps.contains { map in map.codecs.contains { ($0.decodedSampleRate ?? 0) > 8000 } }
        return wideband ? 16000 : 8000
    }
}
