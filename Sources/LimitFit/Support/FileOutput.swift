import Foundation

/// Writing files so that a failure — a full disk, a missing permission — says what happened and
/// leaves nothing half-written.
public enum FileOutput {
  /// Writes every file under a temporary name beside it, flushed to disk, then renames them all
  /// into place: if any write fails, no file is changed and the temporary files are removed.
  ///
  /// - Throws: `LimitFitError` naming the file and the system's reason, or when a path names
  ///   something other than a regular file (a device, a folder), which is never replaced.
  public static func write(_ files: [(path: String, data: Data)]) throws {
    for (path, _) in files { try refuseToReplaceAnythingButAFile(path, describedAs: path) }
    var written: [(temporary: String, path: String)] = []
    do {
      for (path, data) in files {
        let temporary = (path as NSString).deletingLastPathComponent + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        written.append((temporary, path))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        try writeAll(data, to: descriptor, path: path)
        guard fsync(descriptor) == 0 else { throw failure(path) }
      }
      for (temporary, path) in written {
        guard rename(temporary, path) == 0 else { throw failure(path) }
      }
    } catch {
      for (temporary, _) in written { unlink(temporary) }
      throw error
    }
  }

  /// Throws unless `write` could later put a file at `path`: the path is not empty, nothing but
  /// a regular file stands there, and the nearest folder that exists above it is a folder.
  /// Called before any work, so that a bad output path never wastes a run.
  public static func checkWritable(_ path: String, describedAs name: String) throws {
    guard !path.isEmpty else { throw LimitFitError("\(name): an empty path") }
    try refuseToReplaceAnythingButAFile(path, describedAs: "\(name) \(path)")
    try checkFolder((path as NSString).deletingLastPathComponent, describedAs: name)
  }

  /// Throws unless `write` could later put the files `names` into `folder` (`checkWritable`
  /// for each; the folder's path must not be empty).
  ///
  /// - Returns: the files' paths, in the order of `names`.
  public static func checkWritable(_ names: [String], in folder: String, describedAs name: String) throws
    -> [String]
  {
    guard !folder.isEmpty else { throw LimitFitError("\(name): an empty path") }
    return try names.map { file in
      let path = (folder as NSString).appendingPathComponent(file)
      try checkWritable(path, describedAs: name)
      return path
    }
  }

  /// Throws when something other than a regular file — a device, a folder, a link — stands at
  /// `path`: it is never replaced. `label` starts the message.
  private static func refuseToReplaceAnythingButAFile(_ path: String, describedAs label: String) throws {
    var status = stat()
    if lstat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFREG {
      throw LimitFitError("\(label): not a regular file; it is never replaced")
    }
  }

  /// Throws unless `folder` is a folder, or could be created: the nearest path above it that
  /// exists is a folder.
  private static func checkFolder(_ folder: String, describedAs name: String) throws {
    guard !folder.isEmpty else { return }  // the current folder
    var ancestor = URL(fileURLWithPath: folder).standardizedFileURL
    while true {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else {
          throw LimitFitError("\(name) \(folder): \(ancestor.path) is a file, not a folder")
        }
        return
      }
      let parent = ancestor.deletingLastPathComponent()
      if parent.path == ancestor.path { return }
      ancestor = parent
    }
  }

  /// Writes all of `bytes` to `descriptor`, continuing after short writes.
  ///
  /// - Throws: `LimitFitError` naming `path` and the system's reason.
  static func writeAll(_ bytes: Data, to descriptor: Int32, path: String) throws {
    try bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let count = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { throw failure(path) }
        offset += count
      }
    }
  }

  /// The error for the call that just failed on `path`, from errno.
  private static func failure(_ path: String) -> LimitFitError {
    LimitFitError("\(path): cannot write: \(String(cString: strerror(errno)))")
  }
}
