import Foundation

/// Every output of a run — its files and folders — decided and checked in one place before any
/// work, so that a mistake in a path never wastes a run or damages what a user owns.
///
/// Each output must be a path that can be written (the nearest folder above it that exists is a
/// folder this process can create files in; missing folders are created when the output is
/// written, but never at the top of the file system, where a missing folder is a typo), must not be one of the run's inputs (compared by device and inode, so through
/// symlinks and hard links, and never inside an input folder), and must not exist unless `overwrite` allows it — except a file the run
/// updates in place (a results file, a tuning file), which may exist. No two outputs may write
/// the same file. Nothing but a regular file is ever replaced.
public struct OutputPaths {
  /// Whether outputs that exist may be replaced (`--overwrite`).
  public let overwrite: Bool
  private var inputFiles: [(path: String, identity: FileIdentity)] = []
  private var inputFolders: [(path: String, resolved: String)] = []
  /// The files that outputs so far write, resolved, and how messages name them.
  private var claimed: [(resolved: String, description: String)] = []
  /// The folders outputs so far fill, and the files written whole (not updated in place),
  /// resolved: no such file may lie in such a folder, or be one.
  private var folders: [(resolved: String, description: String)] = []
  private var wholeFiles: [(resolved: String, description: String)] = []

  /// Outputs checked against `inputs`, the paths of the files and folders the run reads.
  public init(inputs: [String], overwrite: Bool) {
    self.overwrite = overwrite
    for input in inputs {
      var status = stat()
      guard !input.isEmpty, stat(input, &status) == 0 else { continue }
      if status.st_mode & S_IFMT == S_IFDIR {
        inputFolders.append((input, Self.resolve(input)))
      } else {
        inputFiles.append((input, FileIdentity(status)))
      }
    }
  }

  /// Checks `path`, a file the run writes whole, replacing any file there.
  ///
  /// - Parameter option: how messages name the output (`--json`).
  /// - Throws: `LimitFitError` naming the option, the path and what is wrong.
  public mutating func file(_ path: String, option: String) throws {
    try check(path, option: option, isFolder: false)
    let resolved = Self.resolve(path)
    if let folder = folders.first(where: { Self.path(resolved, isWithin: $0.resolved) }) {
      throw LimitFitError("\(option) \(path) lies in \(folder.description), which the run fills; name a path outside it")
    }
    wholeFiles.append((resolved, "\(option) \(path)"))
    if !overwrite && FileManager.default.fileExists(atPath: path) {
      throw LimitFitError("\(option) \(path) exists; pass --overwrite to replace it")
    }
  }

  /// Checks `path`, a file the run reads and writes back (a results file, appended to; a
  /// tuning file), which may exist whatever `overwrite` says, and may be a symlink to one.
  public mutating func updatedFile(_ path: String, option: String) throws {
    try check(path, option: option, isFolder: false, followingLinks: true)
    guard FileManager.default.fileExists(atPath: path) else { return }
    let descriptor = open(path, O_WRONLY | O_APPEND)
    guard descriptor >= 0 else {
      throw LimitFitError("\(option) \(path): cannot write: \(String(cString: strerror(errno)))")
    }
    close(descriptor)
  }

  /// Checks `folder`, which the run creates if missing and writes the files `names` into.
  ///
  /// - Returns: the files' paths, in the order of `names`.
  public mutating func folder(_ folder: String, files names: [String], option: String) throws -> [String] {
    try check(folder, option: option, isFolder: true)
    let resolved = Self.resolve(folder)
    if let file = wholeFiles.first(where: { Self.path($0.resolved, isWithin: resolved) }) {
      throw LimitFitError("\(option) \(folder) would hold \(file.description); name a path outside it")
    }
    folders.append((resolved, "\(option) \(folder)"))
    return try names.map { name in
      let path = (folder as NSString).appendingPathComponent(name)
      try Self.refuseAnythingButAFile(at: path, describedAs: "\(option) \(folder): \(name)")
      try claim(path, describedAs: "\(option) \(folder) (\(name))")
      if let input = inputFiles.first(where: { $0.identity == FileIdentity(path: path) }) {
        throw LimitFitError("\(option) \(folder): \(name) is one of the inputs (\(input.path)); name another folder")
      }
      if !overwrite && FileManager.default.fileExists(atPath: path) {
        throw LimitFitError("\(option) \(folder): \(name) exists; pass --overwrite to replace it")
      }
      return path
    }
  }

  /// The checks every output shares: a path, writable, not an input, not another output.
  private mutating func check(_ path: String, option: String, isFolder: Bool, followingLinks: Bool = false) throws {
    let label = "\(option) \(path)"
    guard !path.isEmpty else { throw LimitFitError("\(option): an empty path") }
    if isFolder {
      var status = stat()
      if stat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFDIR {
        throw LimitFitError("\(label): \(path) is a file, not a folder")
      }
    } else {
      if path.hasSuffix("/") { throw LimitFitError("\(label): ends in /, which names a folder; name a file") }
      try Self.refuseAnythingButAFile(at: path, describedAs: label, followingLinks: followingLinks)
    }
    let folder = isFolder ? path : FileOutput.folder(of: path)
    let existing = try Self.nearestExistingFolder(of: folder.isEmpty ? "." : folder, describedAs: label)
    let missing = URL(fileURLWithPath: folder.isEmpty ? "." : folder).standardizedFileURL.path
    if existing == "/" && missing != "/" {
      // A typo in an absolute path, not a place for results.
      let top = "/" + (missing.split(separator: "/").first.map(String.init) ?? "")
      throw LimitFitError("\(label): the folder \(top) does not exist (limitfit creates no folder at the top of the file system)")
    }
    if let input = inputFiles.first(where: { $0.identity == FileIdentity(path: path) }) {
      throw LimitFitError("\(label) is one of the inputs (\(input.path)); name another \(isFolder ? "folder" : "file")")
    }
    let resolved = Self.resolve(path)
    if let input = inputFolders.first(where: { Self.path(resolved, isWithin: $0.resolved) }) {
      throw LimitFitError("\(label) is inside the input folder \(input.path); name a path outside it")
    }
    try Self.probe(existing, describedAs: label)
    if !isFolder { try claim(path, describedAs: label) }
  }

  /// Records that an output writes the file at `path`, which no other output may write.
  private mutating func claim(_ path: String, describedAs label: String) throws {
    let resolved = Self.resolve(path)
    if let other = claimed.first(where: { $0.resolved == resolved }) {
      throw LimitFitError("\(label) and \(other.description) are the same file; give each output its own path")
    }
    claimed.append((resolved, label))
  }

  /// Throws when something other than a regular file — a device, a folder, a link unless
  /// `followingLinks` — stands at `path`: it is never replaced.
  static func refuseAnythingButAFile(at path: String, describedAs label: String, followingLinks: Bool = false) throws {
    var status = stat()
    if followingLinks && lstat(path, &status) == 0 && stat(path, &status) != 0 {
      // A link that leads nowhere: a loop, or a missing target.
      throw LimitFitError("\(label): cannot follow the link: \(String(cString: strerror(errno)))")
    }
    if (followingLinks ? stat(path, &status) : lstat(path, &status)) == 0 && status.st_mode & S_IFMT != S_IFREG {
      throw LimitFitError("\(label): not a regular file; it is never replaced")
    }
  }

  /// The nearest path at or above `folder` that exists, which must be a folder.
  private static func nearestExistingFolder(of folder: String, describedAs label: String) throws -> String {
    var ancestor = URL(fileURLWithPath: folder).standardizedFileURL
    while true {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw LimitFitError("\(label): \(ancestor.path) is a file, not a folder") }
        return ancestor.path
      }
      let parent = ancestor.deletingLastPathComponent()
      guard parent.path != ancestor.path else { return ancestor.path }
      ancestor = parent
    }
  }

  /// Throws unless a file can be created in `folder`: tried with a file of its own, removed at
  /// once (permission bits do not tell a read-only file system, or root's rights).
  private static func probe(_ folder: String, describedAs label: String) throws {
    let probe = (folder as NSString).appendingPathComponent(".limitfit-probe-\(UUID().uuidString)")
    let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
      throw LimitFitError("\(label): cannot write in \(folder): \(String(cString: strerror(errno)))")
    }
    close(descriptor)
    unlink(probe)
  }

  /// `path` with its symlinks resolved, as far as it exists, and the rest appended.
  private static func resolve(_ path: String) -> String {
    var existing = URL(fileURLWithPath: path).standardizedFileURL
    var rest: [String] = []
    while !FileManager.default.fileExists(atPath: existing.path) {
      let parent = existing.deletingLastPathComponent()
      guard parent.path != existing.path else { break }
      rest.insert(existing.lastPathComponent, at: 0)
      existing = parent
    }
    guard let real = realpath(existing.path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
    defer { free(real) }
    return rest.reduce(URL(fileURLWithPath: String(cString: real))) { $0.appendingPathComponent($1) }.path
  }

  /// Whether `path` is `folder` or lies below it.
  private static func path(_ path: String, isWithin folder: String) -> Bool {
    path == folder || path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }
}

/// A file's device and inode: the same for every path to it.
struct FileIdentity: Equatable {
  var device: UInt64
  var inode: UInt64

  init(_ status: stat) {
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
  }

  /// The identity of the file at `path`, through symlinks; `nil` when there is none.
  init?(path: String) {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    self.init(status)
  }
}
