import JSON
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("keeps object keys in the order written")
    func keyOrder() throws {
        let value = try JSONValue.parse(#"{"b": 1, "a": 2, "c": 3}"#)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
    }
}
