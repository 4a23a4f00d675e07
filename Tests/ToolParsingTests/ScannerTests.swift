import JSON
import Testing
@testable import ToolParsing

/// The incremental scanners against references: the JSON scanner must agree with the JSON module's
/// parser on where a value ends, whether it is broken and whether it is only cut off — for whole texts
/// and for the same texts fed a byte at a time.
@Suite("Scanners")
struct ScannerTests {
    static let corpus: [String] = [
        #"{}"#, #"[]"#, #"{"a": 1}"#, #"{"name": "f", "arguments": {"x": [1, 2.5e-3, -0, true, false, null]}}"#,
        #"[{"a": "b\"c\\d\/e\u00e9\n"}, [], [[]], {"k": {}}]"#, #"{"s": "héllo 東京 🎉"}"#, #"  {"a":1}  "#,
        #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": -}"#, #"{"a": 1e}"#, #"{"a": tru}"#, #"{"a": nul}"#, #"{a: 1}"#,
        #"{"a" 1}"#, #"{"a": 1,}"#, #"[1 2]"#, #"{"a": "\x"}"#, #"{"a": "\u12G4"}"#, "{\"a\": \"tab\there\"}",
        #"{"a": [1, {"b": "}"}]}"#, #"[1, 2]]"#, #"{"a": 1}}"#, #"{"a": 0.5E+10, "b": 1E-2}"#,
    ]

    enum Verdict: Equatable {
        case complete(Int)
        case truncated
        case invalid
    }

    static func reference(_ text: String) -> Verdict {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBufferPointer { p in
            Result { () throws(JSONError) in try JSONParser().parsePrefix(bytes: p, from: 0, final: true) }
        }
        switch result {
        case .success(let (_, end)): return .complete(end)
        case .failure(let error): return error.isTruncation ? .truncated : .invalid
        }
    }

    static func scanned(_ text: String, byteAtATime: Bool) -> Verdict {
        let bytes = Array(text.utf8)
        var scanner = JSONExtentScanner(from: 0)
        var status = JSONExtentScanner.Status.needMore
        bytes.withUnsafeBufferPointer { p in
            if byteAtATime {
                for end in 1...max(1, p.count) {
                    status = scanner.scan(p, to: min(end, p.count))
                    if status != .needMore { break }
                }
            } else {
                status = scanner.scan(p, to: p.count)
            }
        }
        switch status {
        case .complete(let end): return .complete(end)
        case .needMore: return .truncated
        case .failed: return .invalid
        }
    }

    @Test("the JSON scanner agrees with the JSON parser on every text and every prefix of it")
    func jsonScannerMatchesParser() {
        for text in Self.corpus {
            let bytes = Array(text.utf8)
            for length in 1...bytes.count {
                let prefix = String(decoding: bytes[0..<length], as: UTF8.self)
                guard prefix.utf8.count == length else { continue }  // a cut UTF-8 sequence
                let first = prefix.first { !$0.isWhitespace }
                guard first == "{" || first == "[" else { continue }  // bodies are containers
                let want = Self.reference(prefix)
                #expect(Self.scanned(prefix, byteAtATime: false) == want, "\(prefix.debugDescription)")
                #expect(Self.scanned(prefix, byteAtATime: true) == want, "\(prefix.debugDescription), byte at a time")
            }
        }
    }

    @Test("the JSON scanner records members of call objects and elements of arrays")
    func members() {
        let text = #"[{"name": "a", "arguments": {"x": 1}}, 7, {"arguments": [], "name": "b"}]"#
        let bytes = Array(text.utf8)
        var scanner = JSONExtentScanner(from: 0, top: .array, memberDepth: 2)
        bytes.withUnsafeBufferPointer { p in _ = scanner.scan(p, to: p.count) }
        let slice = { (r: Range<Int>) in String(decoding: bytes[r], as: UTF8.self) }
        #expect(scanner.elements.compactMap { $0.end.map { slice(scanner.elements[0].start..<$0) } }.first
            == #"{"name": "a", "arguments": {"x": 1}}"#)
        #expect(scanner.elements.count == 3)
        #expect(scanner.objects.count == 2)
        #expect(scanner.members.map { slice($0.key) } == [#""name""#, #""arguments""#, #""arguments""#, #""name""#])
        #expect(scanner.members.map { slice($0.valueStart..<($0.valueEnd ?? 0)) } == [#""a""#, #"{"x": 1}"#, "[]", #""b""#])
        #expect(scanner.members.map(\.object) == [0, 0, 1, 1])
    }

    @Test("the Python scanner finds the bracket that closes a call list, skipping strings", arguments: [
        ("[f(a='x]'), g(b=\"y)\")]", " tail"),
        ("[f(a='''multi\n]line''')]", ""),
        ("python.call(code=\"print(')')\")", "\nmore"),
        ("[f(a=[1, {'k': (2, 3)}])]", "]"),
    ])
    func pythonScanner(call: String, after: String) {
        let bytes = Array((call + after).utf8)
        let end = call.utf8.count
        for step in [bytes.count, 1] {
            var scanner = PythonExtentScanner(from: 0)
            var status = JSONExtentScanner.Status.needMore
            bytes.withUnsafeBufferPointer { p in
                var upTo = 0
                while status == .needMore && upTo < p.count {
                    upTo = min(p.count, upTo + step)
                    status = scanner.scan(p, to: upTo, final: upTo == p.count)
                }
            }
            #expect(status == .complete(end: end), "step \(step)")
        }
    }

    @Test("the Python scanner rejects mismatched brackets and text before the first bracket")
    func pythonScannerRejects() {
        for text in ["[foo(x=1])]", "[f(x)}", "{", "= f()"] {
            var scanner = PythonExtentScanner(from: 0)
            let bytes = Array(text.utf8)
            let status = bytes.withUnsafeBufferPointer { scanner.scan($0, to: $0.count, final: true) }
            #expect(status != .needMore && status != .complete(end: bytes.count) || text == "{", "\(text)")
        }
    }

    @Test("the marker set finds the longest marker, reports a marker cut by the buffer end, and ignores it when final")
    func markerSet() {
        let set = MarkerSet([.init(bytes: Array("<tool>".utf8), tag: 0), .init(bytes: Array("<tool_call>".utf8), tag: 1),
                             .init(bytes: Array("```".utf8), tag: 2)])
        func find(_ text: String, final: Bool = false) -> MarkerSet.Found {
            Array(text.utf8).withUnsafeBufferPointer { set.first(in: $0, from: 0, to: $0.count, final: final) }
        }
        #expect(find("ab <tool_call> c") == .marker(index: 1, at: 3))
        #expect(find("ab <tool> c") == .marker(index: 0, at: 3))
        #expect(find("ab <tool_ca") == .partial(at: 3))
        #expect(find("ab <tool_ca", final: true) == .none)
        #expect(find("a < b `` c") == .none)
        #expect(find("x ``") == .partial(at: 2))
    }

    @Test("a PCRE2 pattern error reports its offset; named groups give byte ranges; matching is thread safe")
    func pcre2() async throws {
        #expect(throws: ToolParsingError.invalidPattern(offset: 14, message: "missing closing parenthesis")) {
            _ = try PCRE2Regex("(?<name>[a-z]+")
        }
        let regex = try PCRE2Regex(#"<fn name="(?<name>[^"]+)">(?<arguments>.*?)</fn>"#)
        // Offsets are UTF-8 bytes: "é" is two.
        let match = try #require(regex.firstMatch(in: #"x <fn name="é">{"a":1}</fn>"#))
        #expect(match.range == 2..<28)
        #expect(match.range(of: "name") == 12..<14)
        #expect(match.range(of: "arguments") == 16..<23)
        #expect(match.range(of: "missing") == nil)
        let counts = await withTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask {
                    (0..<500).filter { regex.firstMatch(in: #"<fn name="f\#(i)\#($0)">{}</fn>"#) != nil }.count
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 500, count: 8))
    }
}
