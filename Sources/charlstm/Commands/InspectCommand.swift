import ArgumentParser
import CharLSTM
import Foundation
import FrontEndSupport

/// `charlstm inspect`: watch the memory work — a page that colours a text by the model's surprise and by any unit's
/// gates and states.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Write a page (or JSON) showing what a model's memory does over a text.",
        discussion: """
            Runs the text through the model one character at a time and records, for every character, how \
            surprised the model was (bits), the ten characters it expected there, and each layer's gates: forget \
            (what of the long-term memory c to keep), input (how much of the candidate g to learn) and output or \
            use (how much of tanh(c) becomes the short-term memory h).

            The page (--html) is one self-contained file that opens offline: the text coloured by surprisal; \
            pointing at a character shows what was expected there; a unit picker recolours the text by one unit's \
            c, h, f, i, o or g; "cells worth a look" lists the units that best follow simple properties of the \
            text (inside quotes, bracket depth, position in the line, start of a word, after a newline); selecting \
            a stretch lists the units that mark it off from its surroundings and underlines every other place \
            they fire together; and a chart per layer shows how often each gate is nearly shut or open.

            What is kept, so that the page stays small: the first --limit characters; per character the \
            surprisal (to 1/100 bit), ten expected characters (probabilities to 1/10,000) and the layer means of \
            f, i and o; and the full series of all six quantities for the four units that follow each property \
            best plus each layer's two most active cells, quantised to 8 bits. --json writes the same data (unit \
            series as base64 int8: value = scale · byte / 127).

            Examples:
              charlstm inspect checkpoints/default.safetensors --text "\"Quoted,\" he said (twice)." --html page.html
              charlstm inspect runs/lighthouse/best.safetensors corpora/lighthouse.txt --html lighthouse.html
            """
    )

    @Argument(help: "Checkpoint to inspect (.safetensors).")
    var checkpoint: String

    @Argument(help: "UTF-8 text file to run through the model (or give --text).")
    var file: String?

    @Option(help: "Text to run through the model, instead of a file.")
    var text: String?

    @Option(help: ArgumentHelp("Write the page to this file.", valueName: "out.html"))
    var html: String?

    @Option(help: ArgumentHelp("Write the data as JSON to this file.", valueName: "out.json"))
    var json: String?

    @Option(help: "Characters of the text to inspect, from its start.")
    var limit = 20_000

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        if (file == nil) == (text == nil) { throw ValidationError("give a text file or --text, one of them") }
        if html == nil && json == nil { throw ValidationError("say where to write: --html OUT.html and/or --json OUT.json") }
        if limit < 2 { throw ValidationError("--limit must be at least 2 (got \(limit))") }
    }

    func run() throws {
        try threading.apply()
        for output in [html, json].compactMap({ $0 }) { try AtomicFile.checkWritable(output) }
        let loaded = try Checkpoint.load(path: checkpoint)
        let cell = loaded.model.config.cell
        guard cell == .lstm else {
            throw CharLSTMError.invalidSetting("\(checkpoint): inspect shows an LSTM's gates and cell state, and this model's layers are \(cell.displayName) cells")
        }
        let source = file ?? "--text"
        let scalars = try file.map { Array(try TextFile(path: $0)) } ?? Array(text!.unicodeScalars)
        let known = scalars.lazy.filter { loaded.model.vocabulary.id(of: $0) != nil }.count
        guard known >= 2 else {
            throw CharLSTMError.textTooShort(path: source, detail: "needs at least two characters the model knows to inspect anything")
        }
        ThreadOptions.noteFallbackBackend()
        let inspection = TextInspection(model: loaded.model, text: scalars, limit: limit)
        if let html {
            let page = InspectionReport(inspection, model: loaded.model, name: CheckpointDescription.name(loaded))
            try AtomicFile.write(Array(try PageTemplate.inspect.html(page).utf8), to: html)
        }
        if let json { try AtomicFile.write(Array(try PageTemplate.json(inspection).utf8), to: json) }
        let skipped = scalars.count - known
        let shown = inspection.characters.count
        var facts = ["\(HumanReadable.count(shown)) characters", "\(HumanReadable.decimal(inspection.bitsPerCharacter, 4)) bits per character"]
        if known > shown { facts.append("the first \(HumanReadable.count(shown)) of \(HumanReadable.count(known)) (--limit)") }
        if skipped > 0 { facts.append("\(HumanReadable.count(skipped)) characters not in the vocabulary skipped") }
        print("wrote \([html, json].compactMap { $0 }.joined(separator: " and ")): \(facts.joined(separator: ", "))")
    }
}
