/// Which side of the desk a stream carries, as the F2F API's `Source` names it.
enum DeskAudioRole: String {
    case microphone = "Microphone"
    case speaker = "Speaker"
}
