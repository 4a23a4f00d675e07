import Testing

/// Runs the test cases of every suite that carries it one at a time, across suites: this target's cases are
/// CPU-bound, and hundreds queued at once would starve the timing-sensitive tests of the other targets that
/// share the process's cooperative thread pool (2 threads on a 2-core machine). Waiting suspends; it never
/// holds a thread.
struct OneAtATime: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws
    {
        guard testCase != nil else { return try await function() }
        await Self.gate.enter()
        do {
            try await function()
        } catch {
            await Self.gate.leave()
            throw error
        }
        await Self.gate.leave()
    }

    static let gate = Gate()

    /// A one-permit semaphore whose waiters suspend.
    actor Gate {
        private var busy = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiters.append($0) }
        }

        func leave() {
            if waiters.isEmpty {
                busy = false
            } else {
                waiters.removeFirst().resume()
            }
        }
    }
}

extension Trait where Self == OneAtATime {
    /// See ``OneAtATime``.
    static var oneAtATime: Self { OneAtATime() }
}
