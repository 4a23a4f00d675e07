import ToolParsing

/// How `toolgate replay` feeds one output to the parser.
struct ReplayRun {
    enum Chunking {
        /// The whole text as one chunk, then finish.
        case whole
        /// `n` Unicode scalars per chunk.
        case fixed(Int)
        /// Random chunk sizes (1…16 scalars) from a seed; each line mixes its number in.
        case seeded(UInt64)
    }

    let family: Family
    let commit: CommitMode
    let reasoning: ReasoningSetting
    let reasoningStart: ReasoningStart?

    /// Parses the case; also returns the parser so the caller sees diagnostics and ranges.
    func message(for replayCase: ReplayCase, chunking: Chunking) -> ParsedMessage {
        var parser = StreamingParser(family: family, options: options(for: replayCase))
        var accumulator = DeltaAccumulator()
        for chunk in Self.chunks(replayCase.text, chunking, line: replayCase.lineNumber) {
            accumulator.apply(parser.feed(chunk))
        }
        accumulator.apply(parser.finish())
        return accumulator.message(from: parser)
    }

    func options(for replayCase: ReplayCase) -> ParserOptions {
        let markers: ReasoningMarkers?
        switch reasoning {
        case .family: markers = family.reasoning
        case .none: markers = nil
        case .markers(let m): markers = m
        }
        // Without a flag: a capture's prompt tells whether it opened reasoning; otherwise detect.
        let start = reasoningStart ?? replayCase.prompt.map { ReasoningStart.forPrompt($0, markers: markers) } ?? .detect
        return ParserOptions(commit: commit, tools: replayCase.tools, reasoning: reasoning, reasoningStart: start,
                             ids: ToolCallIDGenerator(seed: UInt64(replayCase.lineNumber)))
    }

    static func chunks(_ text: String, _ chunking: Chunking, line: Int) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var sizes: () -> Int
        switch chunking {
        case .whole:
            return [text]
        case .fixed(let n):
            sizes = { max(1, n) }
        case .seeded(let seed):
            var generator = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(line))
            sizes = { Int(generator.next() % 16) + 1 }
        }
        var chunks: [String] = []
        var i = 0
        while i < scalars.count {
            let n = min(sizes(), scalars.count - i)
            var chunk = String.UnicodeScalarView()
            chunk.append(contentsOf: scalars[i..<(i + n)])
            chunks.append(String(chunk))
            i += n
        }
        return chunks
    }
}
