import CharLSTM
import Foundation
import Testing

/// `Scripts/install.sh PREFIX` makes a complete charlstm: installed into a temporary prefix and run from a folder
/// outside the checkout, with an empty home and no `CHARLSTM_MODEL`, the REPL talks with the bundled model, and
/// `inspect --html` and `report --html` write their pages. An installed binary never reads the checkout: without
/// the installed model it says where it looked, and the checkout is not among those places.
@Suite struct InstallTests {
    @Test func anInstalledCharlstmIsCompleteWithoutTheCheckout() throws {
        let prefix = try CLI.temporaryFolder() + "/prefix"
        let home = try CLI.temporaryFolder()
        let work = try CLI.temporaryFolder()
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/bin/bash")
        install.arguments = [CLI.repository + "/Scripts/install.sh", prefix]
        install.environment = ProcessInfo.processInfo.environment.merging(["CHARLSTM_BINARY": CLI.binary]) { $1 }
        install.standardOutput = FileHandle.nullDevice
        try install.run()
        install.waitUntilExit()
        #expect(install.terminationStatus == 0)
        let charlstm = prefix + "/bin/charlstm"
        let model = prefix + "/share/charlstm/default.safetensors"
        #expect(FileManager.default.isExecutableFile(atPath: charlstm))

        let environment = ["HOME": home, "CHARLSTM_MODEL": ""]
        let talk = try CLI.run(["--seed", "7", "--length", "40", "--threads", "1", "--history", "/dev/null"],
                               input: "The secret of\n:info\n", directory: work, environment: environment,
                               executable: charlstm)
        #expect(talk.status == 0, "\(talk.stderr)")
        // A continuation, then :info naming the installed model.
        #expect(talk.stdout.split(separator: "\n").first?.isEmpty == false, "\(talk.stdout)")
        #expect(talk.stdout.contains("checkpoint  " + model), "\(talk.stdout)")

        // charlstm serve runs the charlstm-serve installed beside it (built with the tests, as swift build builds it).
        if FileManager.default.isExecutableFile(atPath: URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("charlstm-serve").path) {
            #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/charlstm-serve"))
            let serveHelp = try CLI.run(["serve", "--help"], directory: work, environment: environment, executable: charlstm)
            #expect(serveHelp.status == 0 && serveHelp.stdout.contains("--max-sessions"), "\(serveHelp.stderr)")
        }

        let inspect = try CLI.run(["inspect", model, "--text", "The secret of a happy life is", "--html", "page.html",
                                   "--threads", "1"], directory: work, environment: environment, executable: charlstm)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let page = try String(contentsOfFile: work + "/page.html", encoding: .utf8)
        #expect(page.contains("<html") && page.contains(#"<script id="data" type="application/json">{"#))

        let run = work + "/run"
        let train = try CLI.run(["train", CLI.repository + "/corpora/lighthouse.txt", "--out", run, "--steps", "4",
                                 "--eval-every", "2", "--hidden", "16", "--embedding", "8", "--batch", "4",
                                 "--seq", "16", "--threads", "1"], directory: work, environment: environment,
                                executable: charlstm)
        #expect(train.status == 0, "\(train.stderr)")
        let report = try CLI.run(["report", run, "--html", "report.html", "--samples", "1", "--length", "20",
                                  "--threads", "1"], directory: work, environment: environment, executable: charlstm)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try String(contentsOfFile: work + "/report.html", encoding: .utf8).contains("<html"))

        try FileManager.default.removeItem(atPath: model)
        let lost = try CLI.run(["--length", "5"], input: "x\n", directory: work, environment: environment,
                               executable: charlstm)
        #expect(lost.status == 1)
        #expect(lost.stderr.contains("the bundled model was not found"), "\(lost.stderr)")
        #expect(lost.stderr.contains(prefix + "/share/charlstm/default.safetensors"), "\(lost.stderr)")
        #expect(!lost.stderr.contains(CLI.repository + "/checkpoints"), "an installed binary looked in the checkout: \(lost.stderr)")
    }
}
