#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operations per second of `body` by the CPU time of the calling thread, the best of `rounds` rounds:
/// time the thread spends descheduled (other builds on a shared machine) is not counted, and a round
/// can only be slowed down by interference, so the best one is the closest to the code's own speed.
func bestCPURate(seconds: Double, rounds: Int = 5, _ body: () -> Void) -> Double {
    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    for _ in 0..<3 { body() }
    var best = 0.0
    for _ in 0..<max(1, rounds) {
        var count = 0
        var batch = 1
        let start = now()
        var elapsed = 0.0
        while elapsed < seconds / Double(max(1, rounds)) {
            for _ in 0..<batch { body() }
            count += batch
            batch = min(batch * 2, 1 << 14)
            elapsed = now() - start
        }
        best = max(best, Double(count) / elapsed)
    }
    return best
}
