import EddyRuntime
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Asks another worker's endpoint for its part of a query (`GET …?local=…`), with a bounded
/// wait: a worker that does not answer in time counts as unavailable, with the reason.
enum PeerClient {
    static func ask(_ server: String, path: String, timeout: Duration) async -> Result<LocalQueryAnswer, PeerError> {
        guard let url = URL(string: "http://\(server)\(path)") else {
            return .failure(PeerError("\(server) is not an address to ask"))
        }
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else {
                return .failure(
                    PeerError(
                        "worker \(server) answered \(status): \(String(decoding: data.prefix(500), as: UTF8.self))"))
            }
            guard let answer = (try? JSONDecoder().decode(QueryWire.self, from: data))?.answer else {
                return .failure(
                    PeerError("worker \(server) sent an answer this worker cannot read (another eddy version?)"))
            }
            return .success(answer)
        } catch {
            return .failure(PeerError("worker \(server) could not be asked: \(error.localizedDescription)"))
        }
    }
}

struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
