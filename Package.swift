// swift-tools-version:6.0
import PackageDescription

/// One settings array for every target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "toolgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "toolgate", targets: ["toolgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C bridges: system library + a header of prefixed static-inline wrappers.
        .systemLibrary(name: "CPCRE2", path: "Sources/CPCRE2", pkgConfig: "libpcre2-8",
                       providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd",
                       providers: [.apt(["libmicrohttpd-dev"])]),

        // Pipeline boxes, one module each; data flows one way.
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(name: "Jinja", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .target(name: "ChatTemplate", dependencies: ["Jinja", "JSON"], swiftSettings: swiftSettings),
        .target(name: "ToolParsing", dependencies: ["JSON", "CPCRE2"], swiftSettings: swiftSettings),
        .target(name: "ToolGrammar", dependencies: ["JSON", "ToolParsing"], swiftSettings: swiftSettings),
        .target(name: "CallTable", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .target(name: "Backends", dependencies: ["JSON", "CCurl", .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "FakeBackend", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .target(name: "OpenAIAPI", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "Gateway",
                dependencies: ["JSON", "ChatTemplate", "ToolParsing", "ToolGrammar", "CallTable", "Backends",
                               "OpenAIAPI", "HTTPServer", .product(name: "Logging", package: "swift-log"),
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: swiftSettings),
        .executableTarget(
            name: "toolgate",
            dependencies: ["JSON", "Jinja", "ChatTemplate", "ToolParsing", "CallTable", "Backends", "Gateway",
                           "FakeBackend", "CCurl", "HTTPServer", "CMicroHTTPD",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),

        .testTarget(name: "JSONTests", dependencies: ["JSON", "ToolParsing"], swiftSettings: swiftSettings),
        .testTarget(name: "CallTableTests", dependencies: ["CallTable"], swiftSettings: swiftSettings),
        .testTarget(name: "OpenAIAPITests", dependencies: ["OpenAIAPI", "JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "FakeBackend", "JSON", "ToolParsing",
                                                         .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "HTTPServerTests",
                    dependencies: ["HTTPServer", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "ToolParsingTests", dependencies: ["ToolParsing", "JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "ToolGrammarTests", dependencies: ["ToolGrammar", "ToolParsing", "JSON"],
                    exclude: ["Support/llama_grammar_check.py"], swiftSettings: swiftSettings),
        .testTarget(name: "GatewayTests",
                    dependencies: ["Gateway", "FakeBackend", "HTTPServer", "Backends", "OpenAIAPI", "CallTable",
                                   "ChatTemplate", "ToolParsing", "ToolGrammar", "JSON", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja", "JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "ChatTemplateTests", dependencies: ["ChatTemplate", "Jinja", "JSON"],
                    swiftSettings: swiftSettings),
    ]
)
