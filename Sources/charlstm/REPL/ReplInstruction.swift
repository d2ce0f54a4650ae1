import CharLSTM

/// One line typed at the REPL: text to feed the model, or a `:command`.
enum ReplInstruction: Equatable {
    /// Text to prime with, then continue. An empty line continues from where the model is.
    case text(String)
    case help, show, info, reset, probabilities, quit
    case temperature(Float)
    case length(Int)
    case topK(Int)
    case topP(Float)
    case beam(Int)
    case stop(String)
    case seed(UInt64)
    case newline(Bool)
    case load(String)
    case primeFile(String)
    case surprise(Bool)
    case cell(WatchedUnit?)
    case cells, why
    /// The workbench: take an exchange back, or back and again; keep a memory by name or in a file.
    case undo, again
    case save(String), restore(String), saves
    case saveState(String), loadState(String)
    /// The last exchange's figures (nil), or whether to print them after every exchange.
    case stats(Bool?)
    case transcript(String)
    /// Dynamic evaluation: whether text read teaches the weights (nil: say how things stand), or back to the
    /// trained weights.
    case learn(Bool?), learnReset
    case saveModel(String)

    /// Every command with its argument and what it does, for `:help` and tab completion.
    static let commands: [(name: String, argument: String, summary: String)] = [
        (":help", "", "this list"),
        (":temp", "X", "sampling temperature, X > 0 (lower: safer, higher: wilder)"),
        (":len", "N", "characters to generate per line"),
        (":topk", "K", "sample only among the K likeliest characters; 0 = off"),
        (":topp", "P", "sample only among the likeliest characters that make up P of the probability; 1 = off"),
        (":beam", "N", "beam search with N beams: the likeliest continuation (safer, blander); 0 = sample"),
        (":stop", "STRING", "stop after generating STRING (\\n, \\t understood); empty = off"),
        (":seed", "N", "restart the random generator from seed N"),
        (":newline", "on|off", "whether Enter adds a newline to the text you type"),
        (":reset", "", "forget everything: the memory back to zero"),
        (":probs", "", "the ten likeliest next characters, given the memory now"),
        (":why", "", "the ten candidates the last generated character was drawn from"),
        (":surprise", "on|off", "colour your text by how surprised the model was, its own by how confident"),
        (":cell", "L U [c|h|f|i|o|g]", "colour continuations by one unit's value (layer L, unit U); :cell off"),
        (":cells", "", "the cells that moved most over the last exchange, and what they seem to follow"),
        (":undo", "", "take the last exchange back: the memory and the random generator as they were before it"),
        (":again", "", "take the last exchange back and continue the same text anew (the next random draw)"),
        (":save", "NAME", "keep the memory now under NAME, for this session"),
        (":restore", "NAME", "return the memory to what :save NAME kept (:undo takes it back)"),
        (":saves", "", "the memories kept with :save"),
        (":save-state", "FILE", "write the memory and the random generator to a state file (repl --state FILE reads it)"),
        (":load-state", "FILE", "return the memory to a state file's"),
        (":stats", "[on|off]", "reading and writing figures for the last exchange; on: after every exchange"),
        (":transcript", "FILE", "write everything the memory has read and written in this session"),
        (":learn", "[on|off|reset]", "on: the text you type or prime also adapts the weights (dynamic evaluation); reset: back to the trained weights"),
        (":save-model", "FILE", "write the model with the weights as learned so far as a checkpoint"),
        (":load", "PATH", "switch to another checkpoint"),
        (":prime-file", "PATH", "feed a file's text into the memory without generating"),
        (":show", "", "the current settings, and where the memory stands"),
        (":info", "", "the model's architecture, vocabulary and training record"),
        (":quit", "", "leave (so does Ctrl-D)"),
    ]

    /// Commands whose argument is a file path (completed with file names).
    static let pathCommands = [":load", ":prime-file", ":save-state", ":load-state", ":transcript", ":save-model"]

    /// A wrong command or argument, as a one-line hint.
    struct Hint: Error, Equatable {
        let message: String
    }

    /// Reads a line. `::text` is the text `:text`, for lines that really start with a colon.
    static func parse(_ line: String) -> Result<ReplInstruction, Hint> {
        guard line.hasPrefix(":") else { return .success(.text(line)) }
        if line.hasPrefix("::") { return .success(.text(String(line.dropFirst()))) }
        let name = String(line.prefix { $0 != " " })
        let argument = String(line.dropFirst(name.count).drop { $0 == " " })
        func number<T: LosslessStringConvertible>(_ type: T.Type, _ what: String) -> Result<T, Hint> {
            guard let value = T(argument.trimmingSpaces) else {
                return .failure(Hint(message: "\(name) needs \(what), as in \(name) \(example(name))"))
            }
            return .success(value)
        }
        func noArgument(_ instruction: ReplInstruction) -> Result<ReplInstruction, Hint> {
            argument.trimmingSpaces.isEmpty ? .success(instruction) : .failure(Hint(message: "\(name) takes no argument"))
        }
        switch name {
        case ":help", ":h", ":?": return noArgument(.help)
        case ":show": return noArgument(.show)
        case ":info": return noArgument(.info)
        case ":reset": return noArgument(.reset)
        case ":probs": return noArgument(.probabilities)
        case ":why": return noArgument(.why)
        case ":cells": return noArgument(.cells)
        case ":undo": return noArgument(.undo)
        case ":again": return noArgument(.again)
        case ":saves": return noArgument(.saves)
        case ":save", ":restore":
            let label = argument.trimmingSpaces
            guard !label.isEmpty, !label.contains(" ") else {
                return .failure(Hint(message: "\(name) needs a name without spaces, as in \(name) opening"))
            }
            return .success(name == ":save" ? .save(label) : .restore(label))
        case ":stats":
            switch argument.trimmingSpaces {
            case "": return .success(.stats(nil))
            case "on": return .success(.stats(true))
            case "off": return .success(.stats(false))
            default: return .failure(Hint(message: ":stats takes nothing, on or off"))
            }
        case ":learn":
            switch argument.trimmingSpaces {
            case "": return .success(.learn(nil))
            case "on": return .success(.learn(true))
            case "off": return .success(.learn(false))
            case "reset": return .success(.learnReset)
            default: return .failure(Hint(message: ":learn takes nothing, on, off or reset"))
            }
        case ":surprise":
            switch argument.trimmingSpaces {
            case "on": return .success(.surprise(true))
            case "off": return .success(.surprise(false))
            default: return .failure(Hint(message: ":surprise takes on or off"))
            }
        case ":cell":
            let words = argument.split(separator: " ").map(String.init)
            if words == ["off"] { return .success(.cell(nil)) }
            guard (2...3).contains(words.count), let layer = Int(words[0]), let unit = Int(words[1]), layer >= 1, unit >= 0,
                  let quantity = InspectedQuantity(rawValue: words.count == 3 ? words[2] : "c") else {
                return .failure(Hint(message: ":cell needs a layer (from 1), a unit (from 0) and optionally c, h, f, i, o or g, as in :cell 2 17 c; or :cell off"))
            }
            return .success(.cell(WatchedUnit(layer: layer - 1, unit: unit, quantity: quantity)))
        case ":quit", ":q", ":exit": return noArgument(.quit)
        case ":temp":
            return number(Float.self, "a number above 0").flatMap { value in
                value.isFinite && value > 0 ? .success(.temperature(value)) : .failure(Hint(message: ":temp must be above 0 (got \(argument))"))
            }
        case ":len":
            return number(Int.self, "a whole number").flatMap { value in
                value >= 1 ? .success(.length(value)) : .failure(Hint(message: ":len must be at least 1 (got \(argument))"))
            }
        case ":topk":
            return number(Int.self, "a whole number").flatMap { value in
                value >= 0 ? .success(.topK(value)) : .failure(Hint(message: ":topk must be 0 (off) or more (got \(argument))"))
            }
        case ":topp":
            return number(Float.self, "a number in (0, 1]").flatMap { value in
                value > 0 && value <= 1 ? .success(.topP(value)) : .failure(Hint(message: ":topp must be in (0, 1] (got \(argument))"))
            }
        case ":beam":
            return number(Int.self, "a whole number").flatMap { value in
                (0...64).contains(value) ? .success(.beam(value)) : .failure(Hint(message: ":beam must be 0 (off) to 64 (got \(argument))"))
            }
        case ":seed":
            return number(UInt64.self, "a whole number from 0 to 2^64−1").map { .seed($0) }
        case ":stop":
            return .success(.stop(EscapeSequences.decode(argument)))
        case ":newline":
            switch argument.trimmingSpaces {
            case "on": return .success(.newline(true))
            case "off": return .success(.newline(false))
            default: return .failure(Hint(message: ":newline takes on or off"))
            }
        case ":load", ":prime-file", ":save-state", ":load-state", ":transcript", ":save-model":
            let path = argument.trimmingSpaces
            guard !path.isEmpty else { return .failure(Hint(message: "\(name) needs a file path, as in \(name) \(example(name))")) }
            switch name {
            case ":load": return .success(.load(path))
            case ":prime-file": return .success(.primeFile(path))
            case ":save-state": return .success(.saveState(path))
            case ":load-state": return .success(.loadState(path))
            case ":save-model": return .success(.saveModel(path))
            default: return .success(.transcript(path))
            }
        default:
            let known = commands.map(\.name).filter { $0.hasPrefix(name) }
            let suggestion = known.isEmpty ? "" : " (did you mean \(known.joined(separator: " or "))?)"
            return .failure(Hint(message: "unknown command \(name)\(suggestion); :help lists them"))
        }
    }

    private static func example(_ name: String) -> String {
        switch name {
        case ":temp": return "0.8"
        case ":len": return "300"
        case ":topk": return "5"
        case ":topp": return "0.9"
        case ":beam": return "4"
        case ":seed": return "42"
        case ":load": return "runs/lighthouse/best.safetensors"
        case ":save-state", ":load-state": return "evening.state.safetensors"
        case ":transcript": return "session.txt"
        case ":save-model": return "learned.safetensors"
        default: return "notes.txt"
        }
    }
}

private extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// One unit's quantity, as `:cell` names it (layer from 0 here, from 1 on screen).
struct WatchedUnit: Equatable {
    let layer: Int
    let unit: Int
    let quantity: InspectedQuantity
}
