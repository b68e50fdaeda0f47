import Foundation

/// A value that more than one thread reads and writes (an import's two writer threads), each access
/// under a lock. Cost: a lock and an unlock an access.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    // `@unchecked`: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    /// Runs `body` on the value, holding the lock for the whole call.
    func withValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&stored) }
    }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
