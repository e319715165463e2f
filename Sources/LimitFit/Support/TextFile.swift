import Foundation

/// A text file read whole — plain, or gzip-compressed — within the memory the machine has.
enum TextFile {
  /// The memory reading takes per byte of text: the bytes, the string made of them, its lines
  /// and what a qrels reader makes of them (measured: a 111 MB .tsv of 3 million judgements,
  /// plain or gzip-compressed, peaked at 4.8 times its size).
  static let memoryPerByte = 5.0

  /// The text of the file at `path`, decompressed when it starts with gzip's magic bytes
  /// (1f 8b), whatever its name. Any file that can be read in order will do: a pipe too.
  ///
  /// - Parameters:
  ///   - path: the file.
  ///   - reserve: called with the size the text's buffer is about to grow to (1 MiB, then
  ///     doubling), before it does; it throws to refuse. By default it requires
  ///     `memoryPerByte` times that size of free memory, so that a file too big for this
  ///     machine, or a gzip bomb, ends in a message instead of an exhausted memory.
  ///   - note: receives one line about a file read despite a flaw: zero padding after gzip data.
  /// - Throws: `LimitFitError` when the file cannot be read, is corrupt gzip data or is not
  ///   UTF-8, and what `reserve` throws.
  static func read(
    _ path: String, reserve: ((Int) throws -> Void)? = nil, note: (String) -> Void = { _ in }
  ) throws -> String {
    let reserve = reserve ?? { bytes in
      try SystemMemory.require(memoryPerByte * Double(bytes), for: "\(path): reading up to \(formatBytes(Double(bytes))) of text")
    }
    // The system's own reasons (a symlink loop, a missing permission), not Foundation's codes.
    // Opened without waiting, so that a FIFO nobody writes reads as empty instead of hanging;
    // reads then wait as usual for a writer that is there (`<(zcat qrels.gz)`).
    let descriptor = open(path, O_RDONLY | O_NONBLOCK)
    guard descriptor >= 0 else { throw LimitFitError("\(path): cannot read: \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    var status = stat()
    if fstat(descriptor, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR {
      throw LimitFitError("\(path): a folder, not a file")
    }
    var chunk = Data(count: 1 << 20)
    func nextChunk() throws -> Data? {
      while true {
        let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { throw LimitFitError("\(path): cannot read: \(String(cString: strerror(errno)))") }
        return count == 0 ? nil : chunk.prefix(count)
      }
    }

    var bytes: [UInt8] = []
    func append(_ piece: UnsafeBufferPointer<UInt8>) throws {
      if bytes.count + piece.count > bytes.capacity {
        let capacity = max(1 << 20, 2 * bytes.capacity, bytes.count + piece.count)
        try reserve(capacity)
        bytes.reserveCapacity(capacity)
      }
      bytes.append(contentsOf: piece)
    }
    var first = try nextChunk()
    if let chunk = first, chunk.starts(with: Gzip.magic) {
      let padding = try Gzip.decompress(path, chunks: { try first.take() ?? nextChunk() }, into: append)
      if padding > 0 { note("\(path): decompression OK, \(padding) trailing zero bytes ignored (as gzip does)") }
    } else {
      while let chunk = try first.take() ?? nextChunk(), !chunk.isEmpty {
        try chunk.withUnsafeBytes { try append($0.bindMemory(to: UInt8.self)) }
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw LimitFitError("\(path): not UTF-8 text")
    }
    // A byte-order mark is not part of the first line.
    return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
  }
}
