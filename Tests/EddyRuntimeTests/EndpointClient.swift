import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A blocking HTTP GET against a worker's endpoint, for tests.
enum EndpointClient {
    struct Answer {
        var status: Int
        var body: String
    }

    static func get(port: Int, _ path: String) throws -> Answer {
        let url = URL(string: "http://127.0.0.1:\(port)\(path)")!
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: Result<Answer, any Error> = .failure(
            WorkerError(description: "GET \(path) timed out"))
        let task = URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: 10)) {
            data, response, error in
            if let error {
                answer = .failure(error)
            } else {
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                answer = .success(Answer(status: status, body: String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }
        task.resume()
        _ = done.wait(timeout: .now() + 15)
        return try answer.get()
    }
}
