import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TokenLedgerCore

/// Runs a budget's action for one alert. Every action is bounded in time, because the alert's row
/// is held in a write transaction while it runs (see `Ledger.claimAlert`).
public struct AlertDelivery: Sendable {
    /// How long a command may run before it is stopped and counted as failed.
    public var commandTimeout: TimeInterval
    /// How long a webhook may take to answer.
    public var webhookTimeout: TimeInterval
    /// The environment a command inherits (plus the `TOKENLEDGER_ALERT_*` variables).
    public var environment: [String: String]

    public init(commandTimeout: TimeInterval = 20, webhookTimeout: TimeInterval = 10,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.commandTimeout = commandTimeout
        self.webhookTimeout = webhookTimeout
        self.environment = environment
    }

    /// Delivers `alert` by its budget's action; nil on success, else why it failed (one phrase).
    /// `print` always succeeds here: the caller prints every alert's text on stdout.
    public func deliver(_ alert: BudgetAlert, firedAt: Date) -> String? {
        switch alert.budget.action {
        case .print:
            return nil
        case .command(let command):
            return run(command: command, input: alert.json(firedAt: firedAt).serialized() + "\n",
                       extraEnvironment: alert.environment(firedAt: firedAt))
        case .webhook(let url):
            return post(url: url, body: alert.json(firedAt: firedAt).serialized())
        }
    }

    /// `/bin/sh -c command` with `input` on stdin; nil when it exits 0.
    func run(command: String, input: String, extraEnvironment: [String: String]) -> String? {
        // A command that exits without reading stdin must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment.merging(extraEnvironment) { $1 }
        let stdin = Pipe()
        process.standardInput = stdin
        // Output goes to a temporary file, not a pipe: a chatty command can never block on a full pipe.
        let outputURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenledger-alert-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        guard let output = try? FileHandle(forWritingTo: outputURL) else { return "cannot create a temporary file for the command's output" }
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return "cannot start /bin/sh (\(error.localizedDescription))"
        }
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        if finished.wait(timeout: .now() + commandTimeout) == .timedOut {
            process.terminate()
            finished.wait()
            return "command '\(command)' did not finish within \(Int(commandTimeout)) seconds and was stopped"
        }
        let status = process.terminationStatus
        if process.terminationReason == .exit && status == 0 { return nil }
        let said = (try? String(contentsOf: outputURL, encoding: .utf8))?
            .split(whereSeparator: \.isNewline).last.map { String($0.prefix(200)) }
        let how = process.terminationReason == .exit ? "exited with status \(status)" : "was killed by signal \(status)"
        return "command '\(command)' \(how)" + (said.map { " (\($0))" } ?? "")
    }

    /// POSTs `body` as JSON; nil on a 2xx reply.
    func post(url: URL, body: String) -> String? {
        var request = URLRequest(url: url, timeoutInterval: webhookTimeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("tokenledger", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(body.utf8)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = webhookTimeout
        configuration.timeoutIntervalForResource = webhookTimeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            if let error {
                box.set("webhook \(url.absoluteString) failed (\(error.localizedDescription))")
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                box.set("webhook \(url.absoluteString) replied HTTP \(http.statusCode)")
            }
            done.signal()
        }
        task.resume()
        // The session's own timeout should fire first; this is a backstop against a stuck session.
        if done.wait(timeout: .now() + webhookTimeout + 5) == .timedOut {
            task.cancel()
            return "webhook \(url.absoluteString) did not answer within \(Int(webhookTimeout)) seconds"
        }
        return box.value
    }
}

/// A value set from a URLSession callback and read after it signalled.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    func set(_ value: String) { lock.lock(); stored = value; lock.unlock() }
    var value: String? { lock.lock(); defer { lock.unlock() }; return stored }
}
