#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps deep recursion (macros calling macros, deeply nested values) from overflowing the thread's stack:
/// renders may run on threads with small stacks (512 KB is common), where a template's own recursion limit
/// alone would not save the process. When less than `reserve` bytes remain, callers raise RecursionError.
enum StackGuard {
    /// Room kept free for the work between two checks.
    static let reserve = 64 * 1024

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    #if !canImport(Darwin)
    private typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32

    /// glibc's `pthread_getattr_np`, which Swift's Glibc module does not export (it needs `_GNU_SOURCE`).
    private static let getThreadAttributes: GetAttributes? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        return unsafeBitCast(symbol, to: GetAttributes.self)
    }()
    #endif

    /// The lowest usable stack address of the current thread (computed once per thread).
    private static func lowerBound() -> UInt {
        if let stored = pthread_getspecific(key) { return UInt(bitPattern: stored) }
        var bound: UInt = 0
        #if canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        bound = top - UInt(pthread_get_stacksize_np(pthread_self()))
        #else
        var attributes = pthread_attr_t()
        if let getAttributes = getThreadAttributes, getAttributes(pthread_self(), &attributes) == 0 {
            var address: UnsafeMutableRawPointer? = nil
            var size = 0
            if pthread_attr_getstack(&attributes, &address, &size) == 0, let address {
                bound = UInt(bitPattern: address)
            }
            pthread_attr_destroy(&attributes)
        }
        #endif
        // 1 is a marker for "unknown" (a stored nil would read as absent).
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: max(bound, 1)))
        return max(bound, 1)
    }

    /// True while more than ``reserve`` bytes of stack remain below the caller.
    @inline(never)
    static func hasRoom() -> Bool {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        let bound = lowerBound()
        guard bound > 1 else { return true }
        return here > bound + UInt(reserve)
    }
}
