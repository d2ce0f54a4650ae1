import Foundation

/// Which files make a corpus, and in what order: the paths given, in the order given, where a folder stands for
/// every regular file under it, recursively, in the byte order of their paths relative to it (so `a/z.txt` comes
/// before `b.txt`, and `B.txt` before `a.txt`). Names starting with a dot (`.git`, `.DS_Store`) are left out,
/// and so are symbolic links to folders (which could loop); a path named explicitly is always taken.
///
/// Patterns are shell globs (`*`, `?`, `[…]`) matched against a file's path relative to the folder given, or
/// against its name alone when the pattern has no `/`: with ``include`` patterns a file must match one of them,
/// and a file (or folder) matching an ``exclude`` pattern is left out.
public struct CorpusSelection: Sendable, Equatable {
    /// The files and folders given.
    public var paths: [String]
    /// Globs a file under a folder must match (one of them); empty: every file.
    public var include: [String]
    /// Globs that leave a file or folder under a folder out.
    public var exclude: [String]

    public init(paths: [String], include: [String] = [], exclude: [String] = []) {
        self.paths = paths
        self.include = include
        self.exclude = exclude
    }

    /// One file of the selection: where it is, and its path as the corpus records it (relative to the folder
    /// given, or as given for a file named directly).
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var name: String
    }

    /// Whether the selection can only ever be one file: a single path naming a file.
    public var isSingleFile: Bool {
        guard paths.count == 1 else { return false }
        var info = stat()
        return stat(paths[0], &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
    }

    /// The files, in the corpus's order. Fails for a path that does not exist, or when nothing is selected.
    public func entries() throws -> [Entry] {
        var entries: [Entry] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { throw FileBytes.openError(path: path, errno: errno) }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                try walk(root: root, relative: "", into: &entries)
            } else {
                entries.append(Entry(path: path, name: path))
            }
        }
        guard !entries.isEmpty else {
            let patterns = include.isEmpty && exclude.isEmpty ? "" : " matching the patterns given"
            throw CharLSTMError.fileAccess(path: paths.joined(separator: ", "), reason: "no files\(patterns) to train on")
        }
        return entries
    }

    private func walk(root: String, relative: String, into entries: inout [Entry]) throws {
        let folder = relative.isEmpty ? root : root + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw CharLSTMError.fileAccess(path: folder, reason: "cannot list the folder")
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !name.hasPrefix(".") {
            let path = relative.isEmpty ? name : relative + "/" + name
            if matches(exclude, path) { continue }
            let full = root + "/" + path
            var info = stat()
            guard stat(full, &info) == 0 else { continue }  // a dangling link
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                var link = stat()
                if lstat(full, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK { continue }
                try walk(root: root, relative: path, into: &entries)
            case S_IFREG:
                if include.isEmpty || matches(include, path) { entries.append(Entry(path: full, name: path)) }
            default:
                continue  // sockets, devices, pipes
            }
        }
    }

    /// Whether `path` (relative) or its last component matches one of `patterns`.
    private func matches(_ patterns: [String], _ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return patterns.contains { pattern in
            fnmatch(pattern, pattern.contains("/") ? path : name, 0) == 0
        }
    }
}
