public import Backends
import Foundation
import Synchronization

/// Appends one capture line per request to a file (`--capture FILE`), so production outputs can be
/// replayed in CI: the `replay` backend answers from the file, `toolgate replay` parses it.
///
/// Lines are written whole under a lock and flushed each time, so a crash loses at most the line in flight.
public final class CaptureWriter: Sendable {
    private let handle: Mutex<FileHandle>
    public let path: String

    public init(path: String) throws(ConfigurationError) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ConfigurationError("cannot create the capture file \(path) (does its directory exist?)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ConfigurationError("cannot open the capture file \(path) for writing")
        }
        handle.seekToEndOfFile()
        self.handle = Mutex(handle)
        self.path = path
    }

    public func append(_ record: CaptureRecord) {
        let line = Data((record.jsonLine() + "\n").utf8)
        handle.withLock { $0.write(line) }
    }
}
