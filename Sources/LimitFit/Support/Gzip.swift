import CZlib
import Foundation

/// gzip decompression by zlib's inflate.
enum Gzip {
  /// The two bytes every gzip file starts with.
  static let magic: [UInt8] = [0x1f, 0x8b]

  /// Decompresses the gzip data that `nextChunk` reads, chunk by chunk, handing what comes out
  /// to `consume` in pieces of at most 64 KiB. Members written one after another (`cat a.gz
  /// b.gz`) are read in turn, as gzip reads them.
  ///
  /// - Parameters:
  ///   - path: the file, for messages.
  ///   - nextChunk: the next compressed bytes (at most 4 GiB at a time), or `nil` at the end.
  ///   - consume: takes each piece of output; it may throw to stop.
  /// - Returns: the number of zero bytes after the last member, which are ignored, as gzip(1)
  ///   ignores them (tape blocks, padded transfers), with a warning.
  /// - Throws: `LimitFitError` when the data is corrupt or ends before its last member does,
  ///   and whatever `nextChunk` or `consume` throw.
  @discardableResult
  static func decompress(
    _ path: String, chunks nextChunk: () throws -> Data?,
    into consume: (UnsafeBufferPointer<UInt8>) throws -> Void
  ) throws -> Int {
    // zlib keeps a pointer to its stream: it must not move.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    // windowBits 15, the largest window, + 16: gzip's header and trailer (not zlib's).
    guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw LimitFitError("\(path): zlib cannot start decompressing")
    }
    defer { inflateEnd(stream) }
    var output = [UInt8](repeating: 0, count: 1 << 16)
    var status = Z_OK
    var padding = 0
    while let chunk = try nextChunk(), !chunk.isEmpty {
      // Zeros after a member's end are padding, not another member; nothing may follow them.
      if status == Z_STREAM_END && (padding > 0 || stream.pointee.avail_in == 0) && chunk.allSatisfy({ $0 == 0 }) {
        padding += chunk.count
        continue
      }
      guard padding == 0 else { throw LimitFitError("\(path): corrupt gzip data (bytes after its zero padding)") }
      try chunk.withUnsafeBytes { input in
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.pointee.avail_in = uInt(input.count)
        repeat {
          // Bytes after a member's end start the next member, unless they are all zeros.
          if status == Z_STREAM_END {
            let rest = UnsafeBufferPointer(start: stream.pointee.next_in, count: Int(stream.pointee.avail_in))
            if rest.allSatisfy({ $0 == 0 }) {
              padding += rest.count
              stream.pointee.avail_in = 0
              break
            }
            inflateReset(stream)
          }
          let produced = output.withUnsafeMutableBufferPointer { buffer in
            stream.pointee.next_out = buffer.baseAddress
            stream.pointee.avail_out = uInt(buffer.count)
            status = inflate(stream, Z_NO_FLUSH)
            return buffer.count - Int(stream.pointee.avail_out)
          }
          // Z_BUF_ERROR: no progress without more input, which the next chunk brings.
          guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
            throw LimitFitError("\(path): corrupt gzip data (\(reason))")
          }
          try output.withUnsafeBufferPointer { try consume(UnsafeBufferPointer(rebasing: $0[..<produced])) }
          // Go on while input is left, or while a full buffer says more output may be waiting.
        } while status != Z_BUF_ERROR
          && (stream.pointee.avail_in > 0 || (status == Z_OK && stream.pointee.avail_out == 0))
      }
    }
    guard status == Z_STREAM_END else {
      throw LimitFitError("\(path): truncated: the gzip data ends before its last member does")
    }
    return padding
  }
}
