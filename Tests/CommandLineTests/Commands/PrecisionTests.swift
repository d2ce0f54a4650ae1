import CharLSTM
import Foundation
import Testing

/// `--precision` on the command line: refused in one line where the CPU cannot, said in the run's announcement,
/// recorded in the checkpoint, and changeable (with a word of warning) when resuming.
@Suite struct PrecisionTests {
    static let corpus = CLI.repository + "/corpora/lighthouse.txt"
    static let tiny = ["--hidden", "16", "--embedding", "4", "--batch", "4", "--seq", "16", "--threads", "1"]
    /// What a CPU without bfloat16 dot products sees.
    static let noBFloat16 = ["CHARLSTM_BF16_KERNEL": "none"]

    @Test func bf16IsRefusedInOneLineWithoutTheInstructions() throws {
        let out = try CLI.temporaryFolder()
        for arguments in [["train", Self.corpus, "--out", out + "/run", "--steps", "1"] + Self.tiny,
                          ["bench", "--hidden", "16", "--steps", "1", "--threads", "1"]] {
            let result = try CLI.run(arguments + ["--precision", "bf16"], environment: Self.noBFloat16)
            #expect(result.status == 2, "\(arguments[0]): status \(result.status)")
            #expect(result.stderrLines.count == 1, "\(result.stderr)")
            let line = String(result.stderrLines.first ?? "")
            #expect(line.hasPrefix("charlstm: --precision bf16: this CPU has no bfloat16 dot products"), "\(line)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/run/latest.safetensors"))
        // auto falls back to fp32 and says why.
        let auto = try CLI.run(["train", Self.corpus, "--out", out + "/auto", "--steps", "1", "--precision", "auto"] + Self.tiny,
                               environment: Self.noBFloat16)
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout.contains("Precision: fp32 products (auto: no bfloat16 dot products on this CPU)"), "\(auto.stdout)")
        // Without the flag, fp32, said as the default whatever the CPU has.
        let plain = try CLI.run(["train", Self.corpus, "--out", out + "/plain", "--steps", "1"] + Self.tiny)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("Precision: fp32 products (the default)"), "\(plain.stdout)")
    }

    @Test(.enabled(if: BFloat16GEMM.kernel != nil, "this CPU has no bfloat16 dot products (AVX512_BF16 or AMX-BF16)"))
    func aBF16RunSaysSoKeepsItAndMayChangeIt() throws {
        let out = try CLI.temporaryFolder() + "/run"
        let kernel = "\(BFloat16GEMM.kernel!)"
        let first = try CLI.run(["train", Self.corpus, "--out", out, "--steps", "2", "--precision", "bf16"] + Self.tiny)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Precision: bf16 products (asked for, \(kernel))"), "\(first.stdout)")
        let latest = out + "/latest.safetensors"
        let info = try CLI.run(["info", latest])
        #expect(info.stdout.contains("seed 1, bf16 products") && info.stdout.contains("bf16        \(kernel)"), "\(info.stdout)")

        let same = try CLI.run(["train", "--resume", latest, "--steps", "3", "--threads", "1"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("Precision: bf16 products (the run's own)"), "\(same.stdout)")
        let other = try CLI.run(["train", "--resume", latest, "--steps", "4", "--threads", "1", "--precision", "fp32"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.stdout.contains("Precision: fp32 products (asked for); the run was trained in bf16, so it continues from the same weights and moments, though not to the bit as it would in bf16"), "\(other.stdout)")
        #expect(try CLI.run(["info", latest]).stdout.contains("seed 1, fp32 products"))

        // A run whose CPU has lost its bf16 goes on in fp32, saying so.
        let moved = try CLI.run(["train", "--resume", latest, "--steps", "5", "--threads", "1", "--precision", "bf16"])
        #expect(moved.status == 0, "\(moved.stderr)")
        let lost = try CLI.run(["train", "--resume", latest, "--steps", "6", "--threads", "1"], environment: Self.noBFloat16)
        #expect(lost.status == 0, "\(lost.stderr)")
        #expect(lost.stdout.contains("Precision: fp32 products: the run was trained in bf16, but this CPU has no bfloat16 dot products"), "\(lost.stdout)")
    }
}
