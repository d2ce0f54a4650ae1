@preconcurrency import CReadline
import Foundation
import FrontEndSupport
import Synchronization

/// GNU readline behind a small Swift interface: Emacs-style editing, history kept in a file, and tab completion
/// of `:commands` and of file paths after the commands that take one.
///
/// readline keeps its state in C globals and calls back through C function pointers, which cannot capture
/// context. Everything that touches those globals is in this file and runs on the one thread that calls
/// ``run(prompt:handle:)``; values reach the callbacks through the statics of `ReadlineState` below.
///
/// readline's callback interface is used instead of the blocking `readline()`: the editor waits in `poll`, which a
/// Ctrl-C interrupts, so the line can be abandoned outside the signal handler, where readline may safely be called.
final class LineEditor {
    private let historyPath: String?
    private let historyLimit: Int32 = 1000
    /// Why the history could not be loaded, if it could not.
    private(set) var loadWarning: String?

    /// - Parameters:
    ///   - historyPath: file to load history from and save it to; nil, or a device such as `/dev/null` (which
    ///     readline can neither read nor write), keeps history for this session only.
    ///   - commands: completions for a word at the start of the line that begins with ":".
    ///   - pathCommands: commands after which a file path is completed.
    init(historyPath: String?, commands: [String], pathCommands: [String]) {
        Self.useUTF8Characters()
        self.historyPath = historyPath.flatMap { Self.isDevice($0) ? nil : $0 }
        ReadlineState.completions.withLock { $0 = (commands, pathCommands, 0) }
        rl_readline_name = UnsafePointer(strdup("charlstm"))
        rl_catch_signals = 0  // SIGINT is ours: InterruptSignal sets a flag, and readLine acts on it.
        // A paste arrives as one input, newlines and all, rather than as one line per newline (readline 8.1 has
        // it on by default; an inputrc may have turned it off).
        rl_variable_bind("enable-bracketed-paste", "on")
        rl_attempted_completion_function = { text, start, _ in ReadlineState.complete(text: text, start: start) }
        stifle_history(historyLimit)
        if let historyPath = self.historyPath {
            let status = read_history(historyPath)
            if status != 0 && status != ENOENT {
                loadWarning = "cannot read history from \(historyPath) (\(String(cString: strerror(status)))); continuing without it"
            }
        }
    }

    /// readline measures the prompt and moves over the line by the C library's idea of a character, which the
    /// `LC_CTYPE` locale sets — and it takes that locale from the environment (`LC_ALL`, `LC_CTYPE`, `LANG`) as it
    /// starts, where "C" or nothing means one byte, one character. charlstm writes UTF-8, so the terminal shows
    /// UTF-8: when the environment names no UTF-8 locale, point `LC_CTYPE` at C.UTF-8 (and drop an `LC_ALL` that
    /// would override it) so that "»", "é" or "漢" are one character to Backspace, Ctrl-W and the cursor keys.
    /// Only the character type changes: charlstm formats numbers the C way whatever the locale.
    private static func useUTF8Characters() {
        func isUTF8() -> Bool {
            guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
            let name = String(cString: codeset).uppercased()
            return name == "UTF-8" || name == "UTF8"
        }
        if setlocale(LC_CTYPE, "") != nil && isUTF8() { return }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil && isUTF8() {
            unsetenv("LC_ALL")
            setenv("LC_CTYPE", name, 1)
            return
        }
    }

    /// The history file a session keeps when none is named: `~/.charlstm_history`, where `~` is `$HOME` when it is
    /// set (as shells do), else the account's home folder.
    static var defaultHistoryPath: String { ShippedFile.home + "/.charlstm_history" }

    private static func isDevice(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR
    }

    /// Reads lines until the end of input (Ctrl-D on an empty line) or until `handle` returns false, showing
    /// `prompt()` before each.
    ///
    /// `handle` runs inside readline's line callback: readline has put the terminal back in its normal mode before
    /// calling it and shows the next prompt after it returns, so the handler's output comes before the next
    /// prompt and the terminal never changes mode while a prompt is showing. Ctrl-C at the prompt abandons the line
    /// and calls `interrupted`.
    func run(prompt: @escaping () -> String, interrupted: @escaping () -> Void = {},
             handle: @escaping (String) -> Bool) {
        ReadlineState.finished = false
        ReadlineState.onLine = { [self] line in
            if let line {
                if !line.isEmpty && line != lastHistoryEntry { add_history(line) }
                if handle(line) {
                    rl_set_prompt(prompt())
                    return
                }
            }
            ReadlineState.finished = true
            rl_callback_handler_remove()
        }
        rl_callback_handler_install(prompt()) { line in
            let text = line.map { String(cString: $0) }
            free(line)
            ReadlineState.onLine?(text)
        }
        while !ReadlineState.finished {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            // A signal interrupts poll, but one arriving just before it is only seen through the flag: look again
            // every 100 ms rather than wait for the next key.
            let ready = poll(&descriptor, 1, 100)
            if InterruptSignal.pending != nil {
                InterruptSignal.clear()
                rl_free_line_state()
                rl_callback_sigcleanup()
                rl_replace_line("", 0)
                Terminal.standardOutput.write("^C\n")
                interrupted()
                rl_set_prompt(prompt())
                rl_on_new_line()
                rl_redisplay()
                continue
            }
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            if ready < 0 {
                rl_callback_handler_remove()
                break
            }
            rl_callback_read_char()
        }
        ReadlineState.onLine = nil
    }

    private var lastHistoryEntry: String? {
        guard history_length > 0, let entry = history_get(history_base + history_length - 1), let line = entry.pointee.line else {
            return nil
        }
        return String(cString: line)
    }

    /// Writes the history file (bounded to the last entries; not written when there is no history). Returns why
    /// it could not be written, if it could not.
    func saveHistory() -> String? {
        guard let historyPath, history_length > 0 else { return nil }
        let status = write_history(historyPath)
        if status != 0 { return "cannot save history to \(historyPath) (\(String(cString: strerror(status))))" }
        history_truncate_file(historyPath, historyLimit)
        return nil
    }
}

/// Values shared with readline's C callbacks, which cannot capture context.
private enum ReadlineState {
    /// What to do with a finished line (nil: end of input), and whether the editor is done. Only the thread in
    /// ``LineEditor/run(prompt:handle:)`` touches these, from inside readline's callbacks.
    nonisolated(unsafe) static var onLine: ((String?) -> Void)?
    nonisolated(unsafe) static var finished = false
    /// Command names, commands that take a path, and the command generator's position.
    static let completions = Mutex<(commands: [String], pathCommands: [String], next: Int)>(([], [], 0))

    /// readline's attempted-completion hook: commands at the start of a line, file names after a path command,
    /// nothing elsewhere (a tab in prose should not list the working folder).
    static func complete(text: UnsafePointer<CChar>?, start: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let pathCommands = completions.withLock { $0.pathCommands }
        if start == 0 && line.hasPrefix(":") {
            rl_attempted_completion_over = 1
            return rl_completion_matches(text) { prefix, state in ReadlineState.nextCommand(prefix: prefix, restart: state == 0) }
        }
        if pathCommands.contains(where: { line.hasPrefix($0 + " ") }) {
            rl_attempted_completion_over = 0  // readline's own file-name completion
            return nil
        }
        rl_attempted_completion_over = 1
        return nil
    }

    /// The completion generator: successive commands starting with `prefix`, as malloc'ed strings readline frees.
    static func nextCommand(prefix: UnsafePointer<CChar>?, restart: Bool) -> UnsafeMutablePointer<CChar>? {
        let typed = prefix.map { String(cString: $0) } ?? ""
        return completions.withLock { state in
            if restart { state.next = 0 }
            while state.next < state.commands.count {
                let candidate = state.commands[state.next]
                state.next += 1
                if candidate.hasPrefix(typed) { return strdup(candidate) }
            }
            return nil
        }
    }
}
