// swift-tools-version:6.1
import Foundation
import PackageDescription

// GNU readline's headers: on Linux where the system keeps them (/usr/include/readline, Debian's libreadline-dev).
// On macOS through pkg-config: SwiftPM searches `$(brew --prefix)/opt/NAME/lib/pkgconfig` for every Homebrew
// package the provider names (Intel and Apple silicon prefixes alike), so Homebrew's keg-only readline is found
// and its headers win over the system's readline.h, which is libedit's and lacks rl_replace_line,
// rl_catch_signals and rl_callback_sigcleanup. readline.pc requires ncurses.pc, hence the second package. (On
// Linux readline.pc pulls in tinfo's -D flags, which SwiftPM refuses with a warning on every build.)
#if os(macOS)
let readlinePkgConfig: String? = "readline"
#else
let readlinePkgConfig: String? = nil
#endif

let package = Package(
    name: "charlstm",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CharLSTM", targets: ["CharLSTM"]),
        .executable(name: "charlstm", targets: ["charlstm"]),
        .executable(name: "charlstm-serve", targets: ["charlstm-serve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only the server's targets use it (without its swift-configuration support, which they do not need).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: ["FullFoundation"]),
    ],
    targets: [
        // The engine: text, math, model, training, sampling, checkpoints. No terminal code.
        .target(name: "CharLSTM", dependencies: ["CHalfKernels", "CInt8Kernels", "CBFloat16Kernels", "CFileMapping"]),
        // Read-only file mappings guarded against the file shrinking under them (see file_mapping.c).
        .target(name: "CFileMapping"),
        // Half-precision matrix-vector products for batch-1 steps (F16C on x86-64, NEON on ARM; see half_kernels.c).
        .target(name: "CHalfKernels"),
        // 8-bit integer products for batch-1 steps of int8 checkpoints (AVX2 on x86-64, NEON on ARM; see int8_kernels.c).
        .target(name: "CInt8Kernels"),
        // bfloat16 matrix products for training in bf16 (AMX or AVX512_BF16, chosen at run time; see bfloat16_kernels.c).
        .target(name: "CBFloat16Kernels"),
        // GNU readline, for the REPL's line editing and history (see readlinePkgConfig above).
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            pkgConfig: readlinePkgConfig,
            providers: [.apt(["libreadline-dev"]), .brew(["readline", "ncurses"])]
        ),
        // What the two command-line front ends share: finding the shipped files, --threads, one-line errors.
        .target(
            name: "FrontEndSupport",
            dependencies: ["CharLSTM", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The command-line tool: one swift-argument-parser command per file, on top of the engine.
        // Its folders: Commands (one per file), REPL, Pages (page templates, compiled in), Terminal.
        .executableTarget(
            name: "charlstm",
            dependencies: [
                "CharLSTM",
                "CReadline",
                "FrontEndSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            resources: [.embedInCode("Pages/inspect.html"), .embedInCode("Pages/report.html")]
        ),
        // The HTTP server (`charlstm serve`): sessions, batched writing, the playground page, on Hummingbird.
        // A target and a binary of its own, so that building charlstm never builds the HTTP stack; `charlstm
        // serve` runs the charlstm-serve binary beside it.
        .target(
            name: "CharLSTMServer",
            dependencies: ["CharLSTM", .product(name: "Hummingbird", package: "hummingbird")],
            resources: [.embedInCode("Pages/playground.html")]
        ),
        .executableTarget(
            name: "charlstm-serve",
            dependencies: [
                "CharLSTMServer",
                "FrontEndSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CharLSTMTests", dependencies: ["CharLSTM"]),
        // Uses the library as a package that depends on it would: its public API only.
        .testTarget(name: "PublicAPITests", dependencies: ["CharLSTM"]),
        .testTarget(name: "CommandLineTests", dependencies: ["charlstm", "CharLSTM"]),
        // Starts the real charlstm-serve (and charlstm serve) as processes on ephemeral loopback ports.
        .testTarget(name: "ServerTests", dependencies: ["CharLSTM", "charlstm", "charlstm-serve"]),
    ]
)

// The documentation plugin only when documentation is being built (`CHARLSTM_DOCS=1 swift package
// generate-documentation --target CharLSTM`), so that building and testing never fetch or need it.
if ProcessInfo.processInfo.environment["CHARLSTM_DOCS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"))
}
