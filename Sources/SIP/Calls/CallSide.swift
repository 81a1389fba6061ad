/// The two ends of a call as the first INVITE set them: the caller sent it, the callee received it.
public enum CallSide: Int, Sendable, CaseIterable {
    case caller = 0
    case callee = 1

    public var other: CallSide { self == .caller ? .callee : .caller }
}
