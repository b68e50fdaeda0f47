import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    /// Runs the parsed command and turns every error into one sentence on stderr and a stable exit
    /// status (see `ExitStatus`): usage mistakes exit 2, failures 1 — never a stack trace.
    static func main() async {
        if let problem = ArgumentSpelling.problem(in: Array(CommandLine.arguments.dropFirst())) {
            Console.error(problem)
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any UserFacingError {
            Console.error(error.message)
            Foundation.exit(error.exitStatus.rawValue)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let text = fullMessage(for: error)
            if code == .validationFailure {
                // swift-argument-parser says "Error: …"; every other message says "tokenledger: error: …".
                // The usage lines it adds after the sentence stay as they are.
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let first = lines.isEmpty ? "" : lines.removeFirst()
                Console.error(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first)
                if !lines.isEmpty { FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8)) }
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            Console.error(text.isEmpty ? "\(error)" : text.hasPrefix("Error: ") ? String(text.dropFirst(7)) : text)
            Foundation.exit(ExitStatus.failure.rawValue)
        }
    }
}
