// swift-tools-version:6.0
import PackageDescription

/// Every target, tests included: existentials spelled `any`, imports internal unless declared `public import`, and a
/// member usable only where its module is imported (so every dependency is declared where it is used).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "SupportOps",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "supportops", targets: ["supportops"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", exact: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", exact: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", exact: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", exact: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", exact: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", exact: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", exact: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/vapor/async-kit.git", exact: "1.22.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", exact: "1.13.4"),
        .package(url: "https://github.com/vapor/swift-openapi-vapor.git", exact: "1.2.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/vapor/leaf.git", exact: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", exact: "1.14.3"),
        .package(url: "https://github.com/JohnSundell/Ink.git", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
    ],
    targets: [
        // Pure business rules: no I/O, no Vapor.
        .target(
            name: "SupportDomain",
            swiftSettings: strict
        ),
        // The offline intent model: features, training, inference. Numeric code, optimised even in debug builds.
        .target(
            name: "SupportIntentModel",
            dependencies: ["SupportDomain"],
            swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Full-text search: analysis, BM25 index, snippets. Optimised even in debug builds.
        .target(
            name: "SupportSearch",
            swiftSettings: strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // QR codes (ISO/IEC 18004, byte mode) drawn as SVG: the authenticator set-up page shows one without any other host.
        .target(
            name: "QRCode",
            swiftSettings: strict
        ),
        // Sentence embeddings (all-MiniLM-L6-v2) in plain Swift. Numeric code, -Ounchecked in every configuration.
        .target(
            name: "SupportEmbedding",
            swiftSettings: strict + [.unsafeFlags(["-Ounchecked"])]
        ),
        // The pipeline: redact, understand, retrieve, decide, act, reply. Storage only through protocols.
        .target(
            name: "SupportAgent",
            dependencies: [
                "SupportDomain",
                "SupportIntentModel",
                "SupportSearch",
                "SupportEmbedding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Resources/policies"), .copy("Resources/training"), .copy("Resources/kb"),
                        .copy("Resources/languages"), .copy("Resources/policies-i18n")],
            swiftSettings: strict
        ),
        // Fluent models, migrations and the transactional tool implementations (SQLite and PostgreSQL).
        .target(
            name: "SupportStore",
            dependencies: [
                "SupportDomain",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "AsyncKit", package: "async-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Vapor wiring: generated OpenAPI handlers, middleware, docs, one buildApplication.
        .target(
            name: "SupportServer",
            dependencies: [
                "SupportDomain",
                "SupportAgent",
                "SupportStore",
                "SupportSearch",
                "SupportEmbedding",
                "SupportIntentModel",
                "QRCode",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIVapor", package: "swift-openapi-vapor"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Public"), .copy("Views"), .copy("openapi.yaml")],
            swiftSettings: strict,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // The operations behind the command line: serve, migrate, seed, import, resolve, train, evaluate.
        .target(
            name: "SupportCommands",
            dependencies: [
                "SupportDomain", "SupportAgent", "SupportStore", "SupportServer", "SupportIntentModel", "SupportSearch",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Fakes for tests: in-memory stores, a toolbox that answers only what a test set up, a recording mail sender.
        .target(
            name: "SupportTesting",
            dependencies: ["SupportDomain"],
            swiftSettings: strict
        ),
        // Thin executable: argument parsing only.
        .executableTarget(
            name: "supportops",
            dependencies: [
                "SupportCommands",
                "SupportServer",
                "SupportDomain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode"], exclude: ["make_fixtures.py"], swiftSettings: strict),
        .testTarget(name: "SupportDomainTests", dependencies: ["SupportDomain"], swiftSettings: strict),
        .testTarget(name: "SupportEmbeddingTests", dependencies: ["SupportEmbedding"], swiftSettings: strict),
        .testTarget(name: "SupportAgentTests", dependencies: ["SupportAgent", "SupportDomain", "SupportIntentModel", "SupportSearch",
                                                           "SupportEmbedding", "SupportTesting"], swiftSettings: strict),
        // The store tier: the same cases on SQLite and PostgreSQL.
        .testTarget(
            name: "SupportStoreTests",
            dependencies: [
                "SupportStore", "SupportDomain",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SupportServerTests",
            dependencies: [
                "SupportServer", "SupportCommands", "SupportStore", "SupportAgent", "SupportDomain",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "Fluent", package: "fluent"),
                // VaporTestUtils (imported for its request helpers under MemberImportVisibility) is not a product of
                // Vapor; it comes with VaporTesting.
            ],
            swiftSettings: strict
        ),
    ]
)
