import Foundation

/// Writing files so that a failure — a full disk, a missing permission — says what happened and
/// leaves nothing half-written.
public enum FileOutput {
  /// Writes every file under a temporary name beside it, flushed to disk, then moves them all
  /// into place: if any write fails, no file is changed and the temporary files are removed.
  /// Missing folders are created (`OutputPaths` has checked, before the work, that they can be).
  ///
  /// Without `replacing`, a file that appeared at a path since `OutputPaths` checked it (the
  /// user's, or another run's) is kept: each file is linked into place, which fails where a
  /// name exists, and the files of this call already placed are removed again.
  ///
  /// - Throws: `LimitFitError` naming the file and the system's reason, or when a path names
  ///   something other than a regular file (a device, a folder), which is never replaced.
  public static func write(_ files: [(path: String, data: Data)], replacing: Bool) throws {
    for (path, _) in files {
      try OutputPaths.refuseAnythingButAFile(at: path, describedAs: path)
      let folder = Self.folder(of: path)
      do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      } catch {
        throw LimitFitError("\(path): cannot create the folder \(folder): \(error.localizedDescription)")
      }
    }
    var written: [(temporary: String, path: String)] = []
    do {
      for (path, data) in files {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = Self.folder(of: path) + "/.\(name).\(UUID().uuidString).tmp"
        written.append((temporary, path))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        try writeAll(data, to: descriptor, path: path)
        guard fsync(descriptor) == 0 else { throw failure(path) }
      }
      if replacing {
        for (temporary, path) in written {
          guard rename(temporary, path) == 0 else { throw failure(path) }
        }
      } else {
        for (index, (temporary, path)) in written.enumerated() where link(temporary, path) != 0 {
          let reason = errno == EEXIST
            ? LimitFitError("\(path) appeared while this run worked; it is kept (pass --overwrite to replace it)")
            : failure(path)
          for (_, placed) in written[..<index] { unlink(placed) }
          throw reason
        }
        for (temporary, _) in written { unlink(temporary) }
      }
    } catch {
      for (temporary, _) in written { unlink(temporary) }
      throw error
    }
  }

  /// The folder that holds `path`: "." for a bare name, beside which its temporary file goes.
  /// (NSString's deletingLastPathComponent traps on a one-character name, and gives "" for
  /// any bare name, which put the temporary file in the root folder.)
  static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
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
