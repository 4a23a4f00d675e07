/// One lexical token of a template: template text, a tag delimiter, or a piece of an expression.
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case text
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name, string, integer, float
        case op(Operator)
        case eof
    }

    /// Expression operators and punctuation, as jinja2's lexer names them.
    enum Operator: String, Sendable {
        case add = "+", sub = "-", div = "/", floorDiv = "//", mul = "*", mod = "%", pow = "**", tilde = "~"
        case lbracket = "[", rbracket = "]", lparen = "(", rparen = ")", lbrace = "{", rbrace = "}"
        case eq = "==", ne = "!=", gt = ">", gteq = ">=", lt = "<", lteq = "<="
        case assign = "=", dot = ".", colon = ":", pipe = "|", comma = ",", semicolon = ";"
    }

    var kind: Kind
    /// Template text, a name, or a string literal's decoded value.
    var text: String
    /// The value of an integer or float literal.
    var number: Value
    /// UTF-8 offset of the token's first byte in the normalized source.
    var offset: Int

    init(_ kind: Kind, text: String = "", number: Value = .none, offset: Int) {
        self.kind = kind
        self.text = text
        self.number = number
        self.offset = offset
    }

    /// How jinja2 names the token in "expected …" messages.
    var description: String {
        switch kind {
        case .text: return "template data / text"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name: return text
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .op(let op): return op.rawValue
        case .eof: return "end of template"
        }
    }

    func isName(_ name: String) -> Bool { kind == .name && text == name }
}
