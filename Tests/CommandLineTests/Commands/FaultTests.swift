import CharLSTM
import Foundation
import Testing

/// What a long training run must survive: kills at any moment, signals, a second run, divergence, a full disk,
/// and a corpus that changed behind its back.
@Suite struct FaultTests {
    let corpus = CLI.repository + "/corpora/lighthouse.txt"
    let small = ["--hidden", "64", "--embedding", "16", "--batch", "8", "--seq", "32", "--threads", "1"]

    /// `kill -9` at random moments, 24 times, with a save after every step so that many kills land mid-write.
    /// Each round waits until the run has saved at least once more (a condition, not a guess at its speed), then
    /// kills it a random 0–40 ms later. Every time, `latest` loads and holds a later step than before, and nothing
    /// is left in the folder but the run's files and at most the temporary copy of the save the kill cut short;
    /// the next run clears that.
    @Test func killNineAtRandomMomentsNeverLosesTheCheckpoint() throws {
        let out = try CLI.temporaryFolder()
        let latest = out + "/latest.safetensors"
        let runFiles: Set = ["latest.safetensors", "best.safetensors", "log.jsonl", ".charlstm.lock"]
        var random = RandomSource(seed: 2026)
        var lastStep = 0
        var cutSaves = 0
        func savedStep() -> Int { (try? Checkpoint.load(path: latest))?.training?.progress.step ?? 0 }
        for round in 0..<24 {
            let arguments = round == 0
                ? ["train", corpus, "--out", out, "--steps", "1000000", "--checkpoint-every", "1", "--eval-every", "7"] + small
                : ["train", "--resume", latest, "--threads", "1"]
            let running = try CLI.start(arguments)
            let deadline = Date().addingTimeInterval(120)
            while savedStep() <= lastStep && running.process.isRunning && Date() < deadline { usleep(5_000) }
            #expect(running.process.isRunning, "round \(round): the run ended by itself")
            usleep(UInt32(random.next() % 40_000))
            kill(running.process.processIdentifier, SIGKILL)
            _ = try CLI.finish(running)

            let names = try FileManager.default.contentsOfDirectory(atPath: out)
            let debris = names.filter { !runFiles.contains($0) }
            let ownTemporary = debris.allSatisfy {
                AtomicFile.isTemporaryName($0) && $0.contains(".\(running.process.processIdentifier).")
            }
            #expect(debris.count <= 1 && ownTemporary, "round \(round): unexpected files \(debris)")
            cutSaves += debris.count
            let checkpoint = try Checkpoint.load(path: latest)
            let step = try #require(checkpoint.training?.progress.step)
            #expect(step > lastStep, "round \(round): step went from \(lastStep) to \(step)")
            lastStep = step
        }
        // The run still finishes cleanly, and clears the debris of interrupted saves.
        let finish = try CLI.run(["train", "--resume", latest, "--steps", "\(lastStep + 2)", "--threads", "1"])
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(try !FileManager.default.contentsOfDirectory(atPath: out).contains { AtomicFile.isTemporaryName($0) })
        print("kill -9: 24 kills, \(cutSaves) of them during a save, last step \(lastStep)")
    }

    @Test func sigtermSavesAndExits143() throws {
        let out = try CLI.temporaryFolder()
        let running = try CLI.start(["train", corpus, "--out", out, "--steps", "1000000", "--checkpoint-every", "5"] + small)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: out + "/log.jsonl") && running.process.isRunning {
            usleep(20_000)
        }
        running.process.terminate()
        let result = try CLI.finish(running)
        #expect(result.status == 143)
        #expect(result.stdout.contains("Resume with: charlstm train --resume"))
        #expect(try Checkpoint.load(path: out + "/latest.safetensors").training?.progress.step ?? 0 > 0)
    }

    @Test func aSecondRunIntoTheSameFolderIsRefusedAndAKilledRunDoesNotLeaveItLocked() throws {
        let out = try CLI.temporaryFolder()
        let first = try CLI.start(["train", corpus, "--out", out, "--steps", "1000000"] + small)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: out + "/latest.safetensors") { usleep(20_000) }
        let second = try CLI.run(["train", corpus, "--out", out, "--steps", "3"] + small)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another training run (process \(first.process.processIdentifier))"), "\(second.stderr)")
        kill(first.process.processIdentifier, SIGKILL)
        _ = try CLI.finish(first)
        let third = try CLI.run(["train", corpus, "--out", out, "--steps", "3"] + small)
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test func divergenceStopsAtOnceAndKeepsTheLastGoodCheckpoint() throws {
        let out = try CLI.temporaryFolder()
        let result = try CLI.run(["train", corpus, "--out", out, "--lr", "1e38", "--clip", "0", "--steps", "100"] + small)
        #expect(result.status == 1)
        #expect(result.stderr.contains("diverged at step"))
        #expect(result.stderr.contains("--lr"))
        #expect(result.stderr.contains("is unchanged"))
        let checkpoint = try Checkpoint.load(path: out + "/latest.safetensors")
        #expect(checkpoint.training?.progress.step == 0)
    }

    @Test func aChangedCorpusIsNoticedOnResume() throws {
        let folder = try CLI.temporaryFolder()
        let text = try String(contentsOfFile: corpus, encoding: .utf8)
        let copy = try CLI.file("corpus.txt", in: folder, contents: Array(text.utf8))
        #expect(try CLI.run(["train", copy, "--out", folder + "/run", "--steps", "2"] + small).status == 0)
        _ = try CLI.file("corpus.txt", in: folder, contents: Array(text.replacingOccurrences(of: "lamp", with: "lump").utf8))
        let result = try CLI.run(["train", "--resume", folder + "/run/latest.safetensors", "--steps", "4"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the corpus changed since the checkpoint was written"), "\(result.stderr)")
    }

    /// A real full disk: a small tmpfs (needs permission to mount; skipped where there is none).
    @Test(.enabled(if: TinyDisk.canMount)) func aFullDiskStopsTheRunAndKeepsTheLastCheckpoint() throws {
        // Checkpoints of this model are about 0.9 MB: 3 MB holds latest, best and one temporary copy.
        let disk = try TinyDisk(megabytes: 3)
        defer { disk.unmount() }
        let out = disk.path + "/run"
        let running = try CLI.start(["train", corpus, "--out", out, "--steps", "1000000", "--eval-every", "10"] + small)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: out + "/best.safetensors") { usleep(20_000) }
        disk.fill()
        let result = try CLI.finish(running)
        #expect(result.status == 1)
        #expect(result.stderr.contains("No space left on device"), "\(result.stderr)")
        #expect(result.stderr.contains("unchanged"))
        #expect(try Checkpoint.load(path: out + "/latest.safetensors").training != nil)
    }

    @Test(.enabled(if: TinyDisk.canMount)) func aDiskTooSmallForCheckpointsIsRefusedBeforeTraining() throws {
        let tooSmall = try TinyDisk(megabytes: 1)
        defer { tooSmall.unmount() }
        let result = try CLI.run(["train", corpus, "--out", tooSmall.path + "/run", "--steps", "5"] + small)
        #expect(result.status == 1)
        #expect(result.stderr.contains("free") || result.stderr.contains("No space left"), "\(result.stderr)")
        #expect(!result.stdout.contains("step 1"))
    }
}

/// A tmpfs of a given size, mounted for one test.
struct TinyDisk {
    let path: String

    static let canMount: Bool = {
        guard let disk = try? TinyDisk(megabytes: 1) else { return false }
        disk.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        path = try CLI.temporaryFolder()
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw POSIXError(.EPERM) }
    }

    /// Writes a file until the disk is full.
    func fill() {
        let descriptor = open(path + "/filler", O_WRONLY | O_CREAT, 0o644)
        let block = [UInt8](repeating: 0, count: 64 * 1024)
        while write(descriptor, block, block.count) > 0 {}
        close(descriptor)
    }

    func unmount() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = ["-l", path]
        try? process.run()
        process.waitUntilExit()
    }
}
