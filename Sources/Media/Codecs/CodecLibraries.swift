import CBcg729
import COpus
import CSpanDSP

/// The versions of the codec libraries linked in, for logs and `--version`-like output.
public enum CodecLibraries {
    public static var opusVersion: String { String(cString: opus_get_version_string()) }
}
