// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "charlstm",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CharLSTM", targets: ["CharLSTM"]),
        .executable(name: "charlstm", targets: ["charlstm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The engine: text, math, model, training, sampling, checkpoints. No terminal code.
        .target(name: "CharLSTM", dependencies: ["CHalfKernels"]),
        // Half-precision matrix-vector products for batch-1 steps (F16C, chosen at run time; see half_kernels.c).
        .target(name: "CHalfKernels"),
        // GNU readline, for the REPL's line editing and history.
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            providers: [.apt(["libreadline-dev"]), .brew(["readline"])]
        ),
        // The command-line tool: one swift-argument-parser command per file, on top of the engine.
        // Its folders: Commands (one per file), REPL, Pages (page templates, read at run time), Terminal.
        .executableTarget(
            name: "charlstm",
            dependencies: [
                "CharLSTM",
                "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Pages/inspect.html", "Pages/report.html"]
        ),
        .testTarget(name: "CharLSTMTests", dependencies: ["CharLSTM"]),
        .testTarget(name: "CommandLineTests", dependencies: ["charlstm", "CharLSTM"]),
    ]
)
