import Foundation

/// The 64-bit FNV-1a hash of a file's bytes, recorded beside what limitfit writes so that a
/// truncated, cut or overwritten file is found before it is trusted (not a cryptographic hash).
enum Checksum {
  static func fnv1a(_ bytes: Data) -> UInt64 {
    bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
  }

  /// The hash as 16 hexadecimal digits, as certificate.json records it.
  static func hexadecimal(_ bytes: Data) -> String {
    let hash = String(fnv1a(bytes), radix: 16)
    return String(repeating: "0", count: 16 - hash.count) + hash
  }
}
