import CharLSTM
import Foundation
import Testing

/// train → sample → eval → info, resume, and Ctrl-C, through the real binary.
@Suite struct WorkflowTests {
    let corpus = CLI.repository + "/corpora/lighthouse.txt"
    let small = ["--hidden", "24", "--embedding", "8", "--layers", "2", "--batch", "8", "--seq", "32", "--threads", "1"]

    @Test func trainSampleEvalInfo() throws {
        let out = try CLI.temporaryFolder()
        let train = try CLI.run(["train", corpus, "--out", out, "--steps", "30", "--eval-every", "10"] + small)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("Done: step 30"))
        for name in ["latest.safetensors", "best.safetensors", "log.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name) missing")
        }
        let log = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 3)
        let record = try JSONSerialization.jsonObject(with: Data(log[2].utf8)) as? [String: Any]
        for key in ["step", "epoch", "train_loss", "val_bpc", "lr", "chars_per_s", "elapsed_s"] {
            #expect(record?[key] != nil, "log lacks \(key)")
        }

        let sample = try CLI.run(["sample", out + "/best.safetensors", "--prime", "The keeper", "--length", "80", "--seed", "7"])
        #expect(sample.status == 0)
        #expect(sample.stdout.hasPrefix("The keeper"))
        #expect(sample.stdout.unicodeScalars.count == "The keeper".unicodeScalars.count + 80 + 1)
        let again = try CLI.run(["sample", out + "/best.safetensors", "--prime", "The keeper", "--length", "80", "--seed", "7"])
        #expect(again.stdout == sample.stdout)
        // Greedy decoding is deterministic: stop at the fifth character it writes, wherever that first appears.
        let greedy = try CLI.run(["sample", out + "/best.safetensors", "--argmax", "--length", "40", "--no-echo"])
        let stopAt = String(Array(greedy.stdout)[4])
        let stopped = try CLI.run(["sample", out + "/best.safetensors", "--argmax", "--length", "400", "--stop", stopAt, "--no-echo"])
        #expect(stopped.stdout == String(stopped.stdout.prefix { String($0) != stopAt }) + stopAt + "\n")

        let eval = try CLI.run(["eval", out + "/best.safetensors", corpus, "--json"])
        #expect(eval.status == 0)
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let bpc = try #require(result?["bits_per_character"] as? Double)
        #expect(bpc > 0 && bpc < 8)

        let info = try CLI.run(["info", out + "/latest.safetensors"])
        #expect(info.status == 0)
        #expect(info.stdout.contains("2 LSTM layers × 24 hidden"))
        #expect(info.stdout.contains("step 30"))
        let described = try CLI.run(["info", out + "/latest.safetensors", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any]
        #expect(object?["cell"] as? String == "lstm")
        let options = try #require(object?["options"] as? [String: Any])
        #expect(options["batch"] as? Int == 8 && options["seq"] as? Int == 32 && options["dropout"] as? Double == 0)
        #expect((object?["goal"] as? [String: Any])?["steps"] as? Int == 30)
    }

    /// A GRU and an RNN go through the same commands; `info` and the REPL say they keep only h, `inspect` (which
    /// shows an LSTM's gates and cells) refuses them, sampling on the batch-1 path threaded by units (384 units,
    /// 2 threads) repeats itself, and the run resumes.
    @Test(arguments: ["gru", "rnn"])
    func otherCellsTrainSampleAndSayWhatTheyKeep(cell: String) throws {
        let out = try CLI.temporaryFolder()
        let shape = ["--cell", cell, "--hidden", "384", "--embedding", "8", "--batch", "8", "--seq", "32"]
        let train = try CLI.run(["train", corpus, "--out", out, "--steps", "20", "--threads", "1"] + shape)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("2×384 \(cell.uppercased())"))
        let model = out + "/latest.safetensors"
        let info = try CLI.run(["info", model])
        #expect(info.stdout.contains("2 \(cell.uppercased()) layers × 384 hidden") && info.stdout.contains("h only"))
        let samples = try (0..<2).map { _ in
            try CLI.run(["sample", model, "--prime", "The keeper", "--length", "60", "--seed", "3", "--threads", "2"])
        }
        #expect(samples[0].status == 0 && samples[0].stdout.hasPrefix("The keeper"))
        #expect(samples[0].stdout == samples[1].stdout)
        let inspect = try CLI.run(["inspect", model, "--text", "The keeper", "--json", out + "/x.json"])
        #expect(inspect.status != 0 && inspect.stderr.contains("LSTM"))
        let repl = try CLI.run(["repl", model, "--length", "10", "--seed", "1"], input: ":cell 1 3 c\n:cells\nThe sea\n:cells\n")
        #expect(repl.stdout.contains("keep only h") || repl.stderr.contains("keep only h"))
        #expect(repl.stdout.contains("units (h;"))
        let resumed = try CLI.run(["train", "--resume", model, "--steps", "25", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }

    /// --count draws a set of samples into a file, --beam the likeliest text; both are the same every time, and an
    /// F16 export samples like the model it came from up to the rounding of its weights.
    @Test func countBeamOutputAndHalfExport() throws {
        let out = try CLI.temporaryFolder()
        #expect(try CLI.run(["train", corpus, "--out", out, "--steps", "20"] + small).status == 0)
        let model = out + "/latest.safetensors"
        let file = out + "/samples.txt"
        let counted = try CLI.run(["sample", model, "--prime", "The ", "--length", "30", "--count", "3", "--top-p", "0.9",
                                   "--seed", "4", "--output", file])
        #expect(counted.status == 0 && counted.stdout.isEmpty, "\(counted.stderr)")
        let samples = try String(contentsOfFile: file, encoding: .utf8)
        #expect(samples.unicodeScalars.count == 3 * (4 + 30 + 1) + 2, "three samples and two blank lines: \(samples.debugDescription)")
        #expect(samples.hasPrefix("The "))
        let again = try CLI.run(["sample", model, "--prime", "The ", "--length", "30", "--count", "3", "--top-p", "0.9",
                                 "--seed", "4"])
        #expect(again.stdout == samples)
        let beam = try CLI.run(["sample", model, "--prime", "The ", "--length", "30", "--beam", "5"])
        #expect(beam.status == 0 && beam.stdout.unicodeScalars.count == 4 + 30 + 1)
        #expect(try CLI.run(["sample", model, "--prime", "The ", "--length", "30", "--beam", "5", "--seed", "9"]).stdout == beam.stdout)

        let half = out + "/half.safetensors"
        #expect(try CLI.run(["export", model, half, "--half"]).status == 0)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(try size(half) < size(model) / 4, "F16 and no resume state: well under a quarter of the resumable file")
        let full = try JSONSerialization.jsonObject(with: Data(CLI.run(["eval", model, corpus, "--json"]).stdout.utf8)) as? [String: Any]
        let halved = try JSONSerialization.jsonObject(with: Data(CLI.run(["eval", half, corpus, "--json"]).stdout.utf8)) as? [String: Any]
        let difference = abs((full?["bits_per_character"] as? Double ?? 0) - (halved?["bits_per_character"] as? Double ?? 1))
        #expect(difference < 0.01, "F16 weights changed the bits per character by \(difference)")
    }

    /// --int8 puts the matrices on int8 grids, stored as halves; info and eval say what they are and how they
    /// multiply, and the figure stays near the model's own.
    @Test func int8Export() throws {
        let out = try CLI.temporaryFolder()
        #expect(try CLI.run(["train", corpus, "--out", out, "--steps", "20"] + small).status == 0)
        let model = out + "/latest.safetensors", int8 = out + "/int8.safetensors"
        let exported = try CLI.run(["export", model, int8, "--int8"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("wrote \(int8): int8-grid (F16) weights"), "\(exported.stdout)")
        let info = try CLI.run(["info", int8])
        #expect(info.stdout.contains("weights     int8 grid, a scale per row (export --int8)"), "\(info.stdout)")
        let described = try JSONSerialization.jsonObject(with: Data(CLI.run(["info", model, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(described?["weights"] as? String == "float32")
        let full = try JSONSerialization.jsonObject(with: Data(CLI.run(["eval", model, corpus, "--json"]).stdout.utf8)) as? [String: Any]
        let rounded = try JSONSerialization.jsonObject(with: Data(CLI.run(["eval", int8, corpus, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(full?["products"] as? String == "float")
        #expect(rounded?["products"] as? String == (Sampler.int8Kernel == nil ? "float" : "int8"))
        let difference = abs((full?["bits_per_character"] as? Double ?? 0) - (rounded?["bits_per_character"] as? Double ?? 1))
        #expect(difference < 0.02, "int8 grids changed the bits per character by \(difference)")
        let sample = try CLI.run(["sample", int8, "--prime", "The keeper", "--length", "60", "--seed", "3"])
        #expect(sample.status == 0 && sample.stdout.hasPrefix("The keeper"))
        #expect(try CLI.run(["sample", int8, "--prime", "The keeper", "--length", "60", "--seed", "3"]).stdout == sample.stdout)
        let both = try CLI.run(["export", model, out + "/both.safetensors", "--half", "--int8"])
        #expect(both.status == 2 && both.stderrLines.count == 1 && both.stderr.contains("--half and --int8"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/both.safetensors"))
    }

    /// 20 steps on one thread, then --resume to 40 without --threads, ends with the same weights as 40 steps in
    /// one go: the resume keeps the thread count the run was trained with, and says so. (2×128, because with
    /// OpenBLAS a resume of it on two threads ends elsewhere: 4.3490325554 bits per character against
    /// 4.3490325539. With the step schedule: a cosine or linear one spans the whole run, so extending the goal
    /// changes it — see `extendingAFinishedCosineRunSaysWhereTheLearningRateGoes`.)
    @Test func resumeThroughTheCommandLineMatchesAStraightRun() throws {
        let straight = try CLI.temporaryFolder(), split = try CLI.temporaryFolder()
        let common = ["--eval-every", "15", "--dropout", "0.2", "--weight-decay", "0.01", "--schedule", "step",
                      "--lr-decay-every", "1", "--hidden", "128", "--embedding", "8", "--batch", "8", "--seq", "32",
                      "--threads", "1"]
        #expect(try CLI.run(["train", corpus, "--out", straight, "--steps", "40"] + common).status == 0)
        #expect(try CLI.run(["train", corpus, "--out", split, "--steps", "20"] + common).status == 0)
        let resumed = try CLI.run(["train", "--resume", split + "/latest.safetensors", "--steps", "40"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("Resuming"))
        #expect(resumed.stdout.contains("1 thread, as the run was trained (--threads changes it)"), "\(resumed.stdout)")
        let a = try Checkpoint.load(path: straight + "/latest.safetensors")
        let b = try Checkpoint.load(path: split + "/latest.safetensors")
        #expect(a.model.parameters.array == b.model.parameters.array)
        #expect(a.training?.progress == b.training?.progress.withTime(of: a.training?.progress))

        // Told otherwise, it uses what it is told and says what that costs.
        let other = try CLI.run(["train", "--resume", split + "/latest.safetensors", "--steps", "42", "--threads", "2"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.stdout.contains("2 threads, the run was trained with 1, so its numbers may differ"), "\(other.stdout)")
    }

    /// A finished cosine run extended to a larger goal: its schedule spans the new goal, so the learning rate goes
    /// back up to where the longer cosine is at this step, and the resume says so.
    @Test func extendingAFinishedCosineRunSaysWhereTheLearningRateGoes() throws {
        let out = try CLI.temporaryFolder()
        #expect(try CLI.run(["train", corpus, "--out", out, "--steps", "20", "--schedule", "cosine", "--lr", "0.002"] + small).status == 0)
        let resumed = try CLI.run(["train", "--resume", out + "/latest.safetensors", "--steps", "40"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // Step 20 of a 40-step cosine from 0.002 to 0: 0.002 · ½(1 + cos(π/2)) = 0.001.
        #expect(resumed.stdout.contains("learning rate 0.001 (cosine, to 0 at step 40)"), "\(resumed.stdout)")
    }

    /// Ctrl-C finishes the step, saves, says how to resume and exits 130; the saved checkpoint resumes.
    @Test func interruptSavesAndExplainsHowToResume() throws {
        let out = try CLI.temporaryFolder()
        let running = try CLI.start(["train", corpus, "--out", out, "--epochs", "100000", "--checkpoint-every", "3"] + small)
        // Training is under way once a periodic checkpoint exists: `latest` is first written at step 0, before
        // any training, and a signal that arrives then rightly saves step 0.
        func savedStep() -> Int {
            (try? Checkpoint.load(path: out + "/latest.safetensors"))?.training?.progress.step ?? 0
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && savedStep() == 0 { usleep(20_000) }
        running.process.interrupt()
        // A run that ignored the signal would go on for ever: end it after a generous wait, and fail.
        let guardTimer = DispatchWorkItem { if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: guardTimer)
        let result = try CLI.finish(running)
        guardTimer.cancel()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stdout.contains("Resume with: charlstm train --resume \(out)/latest.safetensors"))
        let checkpoint = try Checkpoint.load(path: out + "/latest.safetensors")
        #expect((checkpoint.training?.progress.step ?? 0) > 0)
        let resumed = try CLI.run(["train", "--resume", out + "/latest.safetensors", "--steps", "\((checkpoint.training?.progress.step ?? 0) + 2)", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}

extension TrainingProgress {
    /// The same progress with the wall-clock total of `other`, which no two runs share.
    func withTime(of other: TrainingProgress?) -> TrainingProgress {
        var copy = self
        copy.trainingSeconds = other?.trainingSeconds ?? copy.trainingSeconds
        return copy
    }
}
