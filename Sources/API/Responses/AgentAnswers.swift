import Control
import Foundation
import Hummingbird

/// `GET /api/Agent/GetAll` without encoding every agent on every request: each agent's JSON is
/// kept with the state it was made from and made again only when that state changed. A thousand
/// agents took 12 ms of encoding per request (p99 860 ms at 32 clients, `make bench-api`).
final class AgentAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var cache: [Int: (state: AgentState, json: Data)] = [:]

    /// The JSON array of `states`, in their order, as `JSONResponse` would encode it.
    func allAgents(_ states: [AgentState]) -> Response {
        let cached = lock.withLock { cache }
        var fresh: [Int: (state: AgentState, json: Data)] = [:]
        var body = ByteBuffer()
        body.reserveCapacity(states.count * 2048 + 2)
        body.writeInteger(UInt8(ascii: "["))
        for (i, state) in states.enumerated() {
            if i > 0 { body.writeInteger(UInt8(ascii: ",")) }
            if let hit = cached[state.agentId], hit.state == state {
                body.writeBytes(hit.json)
                continue
            }
            guard let json = try? JSONResponse.encoder().encode(state) else {
                return JSONResponse.make(states)
            }
            fresh[state.agentId] = (state, json)
            body.writeBytes(json)
        }
        body.writeInteger(UInt8(ascii: "]"))
        if !fresh.isEmpty || cached.count != states.count {
            let kept = Set(states.map(\.agentId))
            lock.withLock {
                cache.merge(fresh) { _, new in new }
                // Agents no longer listed leave.
                if cache.count > kept.count { cache = cache.filter { kept.contains($0.key) } }
            }
        }
        return Response(status: .ok, headers: [.contentType: JSONResponse.contentType], body: ResponseBody(byteBuffer: body))
    }
}
