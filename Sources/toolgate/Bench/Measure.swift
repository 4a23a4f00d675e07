import Foundation

/// Runs `body` repeatedly for about `seconds` (after a short warm-up) and returns operations per second.
/// Rounds grow geometrically so the clock is read rarely even for sub-microsecond bodies.
func operationsPerSecond(seconds: Double, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    for _ in 0..<3 { body() }
    var total = 0
    var elapsed = Duration.zero
    var round = 1
    let budget = Duration.milliseconds(Int64(seconds * 1000))
    while elapsed < budget {
        let start = clock.now
        for _ in 0..<round { body() }
        elapsed += clock.now - start
        total += round
        round = min(round * 2, 1 << 16)
    }
    let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(total) / secs
}

/// A figure with its unit, printed in fixed columns so bench output reads as a table.
func formatRate(_ value: Double) -> String {
    if value >= 100 { return String(format: "%10.0f", value) }
    return String(format: "%10.2f", value)
}

/// Runs a Python snippet that prints one number (a rate); nil when Python or a module is missing.
func pythonRate(_ script: String) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}
