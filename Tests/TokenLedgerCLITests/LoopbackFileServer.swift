import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-request HTTP server on 127.0.0.1 that answers a GET with `body` (for `prices update URL`).
/// Loopback only, port chosen by the kernel; it stops after one request or `timeout` seconds. The
/// budget tests' LoopbackHTTPServer records a POST instead; test targets cannot share helpers.
final class LoopbackFileServer: @unchecked Sendable {
    let port: UInt16
    private let socketFD: Int32
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var requestLine: String?

    init(body: String, status: Int = 200, timeout: TimeInterval = 20) throws {
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
        let thread = Thread { [self] in serveOne(body: Array(body.utf8), status: status, timeout: timeout) }
        thread.start()
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Waits (bounded) for the request and returns its first line ("GET /x HTTP/1.1").
    func received(waiting seconds: TimeInterval = 20) -> String? {
        _ = done.wait(timeout: .now() + seconds)
        lock.lock()
        defer { lock.unlock() }
        return requestLine
    }

    private func serveOne(body: [UInt8], status: Int, timeout: TimeInterval) {
        defer { close(socketFD); done.signal() }
        var poller = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return }
        let client = accept(socketFD, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
            var clientPoll = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&clientPoll, 1, 1000) >= 0 else { return }
            if clientPoll.revents == 0 { continue }
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        lock.lock()
        requestLine = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").first
        lock.unlock()
        let head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let reply = Array(head.utf8) + body
        let total = reply.count
        var sent = 0
        while sent < total {
            let n = reply.withUnsafeBytes { write(client, $0.baseAddress! + sent, total - sent) }
            if n <= 0 { break }
            sent += n
        }
    }

    enum ServerError: Error { case socket, bind }
}
