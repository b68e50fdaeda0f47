import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TokenLedgerCore
import TokenLedgerLedger

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
    package func deliver(_ alert: BudgetAlert, firedAt: Date) -> String? {
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
    ///
    /// Spawned directly (not with Foundation's `Process`, whose termination callback waits for every
    /// grandchild to exit) in its own process group, so a timeout stops the whole command, pipelines
    /// and background children included. SIGPIPE is reset to its default in the child.
    func run(command: String, input: String, extraEnvironment: [String: String]) -> String? {
        // A command that exits without reading stdin must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        // Output goes to a temporary file, not a pipe: a chatty command can never block on a full pipe.
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenledger-alert-\(UUID().uuidString).log").path
        let outputFD = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard outputFD >= 0 else { return "cannot create a temporary file for the command's output" }
        defer { unlink(outputPath) }
        var stdinPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0 else { close(outputFD); return "cannot create a pipe for the command's input" }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        posix_spawn_file_actions_addclose(&actions, stdinPipe[1])
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let arguments = ["/bin/sh", "-c", command]
        let variables = environment.merging(extraEnvironment) { $1 }.map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, &envp)
        close(stdinPipe[0])
        close(outputFD)
        guard spawned == 0 else {
            close(stdinPipe[1])
            return "cannot start /bin/sh (error \(spawned))"
        }
        let bytes = Array(input.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(stdinPipe[1], $0.baseAddress, $0.count) }
            if n <= 0 { break } // the command closed its stdin: fine
            written += n
        }
        close(stdinPipe[1])

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(commandTimeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() >= deadline {
                kill(-pid, SIGKILL) // the whole process group
                _ = waitpid(pid, &status, 0)
                return "command '\(command)' did not finish within \(Self.secondsText(commandTimeout)) and was stopped"
            }
            usleep(20_000)
        }
        let signalNumber = status & 0x7f
        let exitCode = (status >> 8) & 0xff
        if signalNumber == 0 && exitCode == 0 { return nil }
        let said = (try? String(contentsOfFile: outputPath, encoding: .utf8))?
            .split(whereSeparator: \.isNewline).last.map { String($0.prefix(200)) }
        let how = signalNumber == 0 ? "exited with status \(exitCode)" : "was killed by signal \(signalNumber)"
        return "command '\(command)' \(how)" + (said.map { " (\($0))" } ?? "")
    }

    /// A timeout as people say it: "20 seconds", "1 second", "0.5 seconds" (tenths kept, never rounded to 0).
    static func secondsText(_ seconds: TimeInterval) -> String {
        let tenths = (seconds * 10).rounded()
        if tenths == 10 { return "1 second" }
        let text = tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
        return "\(text) seconds"
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
                box.set("webhook \(SecretRedaction.displayURL(url)) failed (\(error.localizedDescription))")
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                box.set("webhook \(SecretRedaction.displayURL(url)) replied HTTP \(http.statusCode)")
            }
            done.signal()
        }
        task.resume()
        // The session's own timeout should fire first; this is a backstop against a stuck session.
        if done.wait(timeout: .now() + webhookTimeout + 5) == .timedOut {
            task.cancel()
            return "webhook \(SecretRedaction.displayURL(url)) did not answer within \(Self.secondsText(webhookTimeout))"
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
