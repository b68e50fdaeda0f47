import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP listener on 127.0.0.1 for webhook tests: accepts ONE request, records it, replies with
/// `status`, and stops by itself — after that request or after `timeout` seconds, whichever is first.
/// Loopback only; the port is chosen by the kernel.
final class LoopbackHTTPServer: @unchecked Sendable {
    struct Request {
        var requestLine: String
        var headers: [String: String]
        var body: String
    }

    let port: UInt16
    private let socketFD: Int32
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var recorded: Request?

    init(status: Int = 200, timeout: TimeInterval = 15) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.socket }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { close(fd); throw ServerError.bind }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        socketFD = fd
        let thread = Thread { [self] in serveOne(status: status, timeout: timeout) }
        thread.start()
    }

    /// The URL to post to.
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Waits (bounded) for the server to finish and returns the request it received, if any.
    func request(waiting seconds: TimeInterval = 20) -> Request? {
        _ = done.wait(timeout: .now() + seconds)
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    private func serveOne(status: Int, timeout: TimeInterval) {
        defer { close(socketFD); done.signal() }
        var poller = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return }
        let client = accept(socketFD, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var clientPoll = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&clientPoll, 1, 1000) >= 0 else { return }
            if clientPoll.revents == 0 { continue }
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if let request = parse(data) {
                lock.lock()
                recorded = request
                lock.unlock()
                break
            }
        }
        let reason = status == 200 ? "OK" : "Error"
        let reply = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        _ = reply.withCString { write(client, $0, strlen($0)) }
    }

    /// A complete request (headers and Content-Length body), or nil while incomplete.
    private func parse(_ data: [UInt8]) -> Request? {
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(text[split.upperBound...].utf8)
        let expected = Int(headers["content-length"] ?? "0") ?? 0
        guard body.count >= expected else { return nil }
        return Request(requestLine: head.first ?? "", headers: headers, body: String(decoding: body.prefix(expected), as: UTF8.self))
    }

    enum ServerError: Error { case socket, bind }
}

/// A loopback port with nothing listening (bound then closed), for "connection refused".
func unusedLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}
