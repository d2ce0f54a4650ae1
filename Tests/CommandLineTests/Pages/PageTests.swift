import CharLSTM
import Foundation
import Testing

/// `charlstm inspect`: its data against the engine's, and its page in a real browser (Debian's chromium, headless).
@Suite struct InspectPageTests {
    static let text = "\"Quoted,\" he said (twice). <b>bold</b> & </script> more.\nThe lamp (was) lit, \"the kettle\" sang.\n"

    /// A model that knows every character of the text.
    static let checkpoint: String = {
        let folder = try! CLI.temporaryFolder()
        var random = RandomSource(seed: 5)
        let model = try! CharLSTMModel(vocabulary: Vocabulary(of: text.unicodeScalars), embedding: 6, hidden: 24,
                                       layers: 2, random: &random)
        try! Checkpoint.write(model: model, to: folder + "/model.safetensors")
        return folder + "/model.safetensors"
    }()

    /// A headless browser: `$CHARLSTM_TEST_BROWSER` when set (a path, or `none` to test as a machine without one
    /// does, as .ci/run's first pass does), else the first of Debian's and Google's that is installed.
    static let browser: String? = {
        if let chosen = ProcessInfo.processInfo.environment["CHARLSTM_TEST_BROWSER"], !chosen.isEmpty {
            return chosen == "none" ? nil : chosen
        }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// `inspect --json`: the inspection in plain numbers.
    struct Report: Decodable {
        struct Expected: Decodable { let character: String; let probability: Float }
        struct Unit: Decodable { let layer: Int; let unit: Int; let series: [String: [Float]] }
        let characters: [String]
        let surprisal: [Double?]
        let expected: [[Expected]]
        let kept: [Unit]
        let bitsPerCharacter: Double
    }

    /// --json is the engine's inspection in plain numbers: every kept unit's series exactly as the pass recorded
    /// it, surprisal in bits (null for the first character), probabilities as they are; the figure is eval's.
    @Test func theDataIsTheEngines() throws {
        let out = try CLI.temporaryFolder() + "/page.json"
        let result = try CLI.run(["inspect", Self.checkpoint, "--text", Self.text, "--json", out, "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(report.characters.joined() == Self.text)
        let model = try Checkpoint.load(path: Self.checkpoint).model
        var engine: [[Float]] = []   // per kept unit, c at every character
        var surprisal: [Double?] = []
        _ = InspectionPass(model: model).run(Self.text.unicodeScalars) { step in
            engine.append(report.kept.map { step.values(.c, layer: $0.layer)[$0.unit] })
            surprisal.append(step.surprisal)
            return true
        }
        #expect(!report.kept.isEmpty)
        for (k, unit) in report.kept.enumerated() {
            let series = try #require(unit.series["c"])
            #expect(series == engine.map { $0[k] }, "unit \(k)")
        }
        // A step's surprisal is the next character's: the page shows it on that character.
        #expect(report.surprisal == [nil] + surprisal.dropLast())
        #expect(report.surprisal.first == .some(nil) && report.surprisal.dropFirst().allSatisfy { ($0 ?? -1) >= 0 })
        #expect(report.expected.first?.isEmpty == true && report.expected.dropFirst().allSatisfy { $0.count == 10 })
        let evaluation = TextEvaluation(model: model, text: Self.text.unicodeScalars)
        #expect(abs(report.bitsPerCharacter - evaluation.bitsPerCharacter) < 1e-12)
    }

    /// The page in a real browser: coloured text, hover details, the unit picker recolouring, a question answered,
    /// the saturation chart, the text shown as text (its "<b>" and "</script>" included), nothing fetched.
    @Test(.enabled(if: browser != nil, "needs a headless browser: apt-get install chromium"))
    func thePageWorksInABrowser() throws {
        let folder = try CLI.temporaryFolder()
        let page = folder + "/page.html"
        let result = try CLI.run(["inspect", Self.checkpoint, "--text", Self.text, "--html", page, "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let dom = try Self.runBrowser(["--virtual-time-budget=5000", "--dump-dom", "file://\(page)#selftest"])
        let report = try #require(dom.range(of: #"<pre id="selftest">"#).map { dom[$0.upperBound...].prefix { $0 != "<" } },
                                  "no self-test result in the page: \(dom.prefix(300))")
        let checks = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Bool])
        for name in ["characters", "coloured", "escaped", "hoverShowsExpectations", "pickerRecolours", "askListsUnits",
                     "saturationChart", "nothingFetched"] {
            #expect(checks[name] == true, "\(name) failed: \(checks)")
        }
        let screenshot = folder + "/page.png"
        _ = try Self.runBrowser(["--hide-scrollbars", "--window-size=1200,760", "--screenshot=\(screenshot)", "file://\(page)"])
        #expect(FileManager.default.fileExists(atPath: screenshot), "no screenshot")
        print("inspect page screenshot: \(screenshot)")
    }

    /// Runs the browser headless (no sandbox: tests may run as root) and returns what it printed.
    static func runBrowser(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--user-data-dir=\(try CLI.temporaryFolder())"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// `charlstm report`: a run's page in a real browser, and clear errors for a folder that is not a run.
@Suite struct ReportPageTests {
    @Test(.enabled(if: InspectPageTests.browser != nil, "needs a headless browser: apt-get install chromium"))
    func theReportWorksInABrowser() throws {
        let run = try CLI.temporaryFolder()
        let trained = try CLI.run(["train", CLI.repository + "/corpora/lighthouse.txt", "--out", run, "--steps", "30",
                                   "--eval-every", "10", "--hidden", "16", "--batch", "8", "--seq", "32", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let page = try CLI.temporaryFolder() + "/report.html"
        let result = try CLI.run(["report", run, "--html", page, "--samples", "2", "--length", "60", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 validations, 2 samples"))
        let dom = try InspectPageTests.runBrowser(["--virtual-time-budget=5000", "--dump-dom", "file://\(page)#selftest"])
        let report = try #require(dom.range(of: #"<pre id="selftest">"#).map { dom[$0.upperBound...].prefix { $0 != "<" } })
        let checks = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Bool])
        for name in ["charts", "settings", "samples", "escaped", "nothingFetched"] {
            #expect(checks[name] == true, "\(name) failed: \(checks)")
        }
    }

    @Test func aFolderWithoutALogIsAClearError() throws {
        let folder = try CLI.temporaryFolder()
        let result = try CLI.run(["report", folder, "--html", folder + "/page.html"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1 && result.stderr.contains("log.jsonl"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/page.html"))
    }
}
