import JSON

/// A JSON schema with the document it lives in, so local `$ref`s (`#/$defs/Address`, `#/definitions/X`,
/// `#`) resolve; plus the schema algebra the converter needs (merging `allOf` parts and `anyOf` siblings).
struct SchemaDocument: Sendable {
    /// The whole document (a tool's `parameters`).
    let root: JSONValue
    /// Distinguishes documents in rule names and caches (the tool's name).
    let scope: String

    /// The schema a local reference points to, or nil for a remote or dangling one.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var pointer = reference.dropFirst()
        if pointer.isEmpty { return root }
        guard pointer.hasPrefix("/") else { return nil }
        pointer = pointer.dropFirst()
        var current = root
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false) {
            let key = Self.pointerToken(token)
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(key), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    /// A JSON pointer token decoded: `%xx` (URI fragments), then `~1` → `/` and `~0` → `~`.
    static func pointerToken(_ token: Substring) -> String {
        let utf8 = Array(token.utf8)
        var bytes: [UInt8] = []
        var j = 0
        while j < utf8.count {
            if utf8[j] == UInt8(ascii: "%"), j + 2 < utf8.count,
               let value = UInt8(String(decoding: utf8[(j + 1)...(j + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                j += 3
            } else if utf8[j] == UInt8(ascii: "~"), j + 1 < utf8.count, utf8[j + 1] == UInt8(ascii: "1") {
                bytes.append(UInt8(ascii: "/"))
                j += 2
            } else if utf8[j] == UInt8(ascii: "~"), j + 1 < utf8.count, utf8[j + 1] == UInt8(ascii: "0") {
                bytes.append(UInt8(ascii: "~"))
                j += 2
            } else {
                bytes.append(utf8[j])
                j += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `schema` with the keywords of `other` added: `required` lists joined, `properties` merged key by key
    /// (the other's wins), anything else from the other. Used for `allOf` and for the siblings of `anyOf`.
    static func merged(_ schema: JSONObject, _ other: JSONObject) -> JSONObject {
        var result = schema
        for entry in other {
            switch (entry.key, result[entry.key], entry.value) {
            case ("required", .array(let mine)?, .array(let theirs)):
                var union = mine
                for name in theirs where !union.contains(where: { $0.isIdentical(to: name) }) { union.append(name) }
                result["required"] = .array(union)
            case ("properties", .object(let mine)?, .object(let theirs)):
                var union = mine
                for property in theirs { union[property.key] = property.value }
                result["properties"] = .object(union)
            default:
                result[entry.key] = entry.value
            }
        }
        return result
    }
}

extension String {
    init(scalar value: UInt32) {
        var text = String.UnicodeScalarView()
        if let scalar = Unicode.Scalar(value) { text.append(scalar) }
        self = String(text)
    }
}
