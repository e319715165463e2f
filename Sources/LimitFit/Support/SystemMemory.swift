import Foundation

/// The memory this process can still take: what the kernel reports as available, within the
/// limit of the process's control group, less a headroom for everything else that runs.
public enum SystemMemory {
  /// The share of the free memory a fit may plan to take; the rest is headroom for the
  /// process's own code, the operating system and other programs.
  public static let usableShare = 0.9

  /// What the program itself takes (code, libraries, runtime), beside what a fit allocates.
  public static let programBytes = 24.0 * 1024 * 1024

  /// Bytes a fit may take now: `usableShare` of the smallest of MemAvailable (/proc/meminfo),
  /// the control group's limit less its usage (cgroup v2 or v1), and the address-space limit
  /// (ulimit -v) less what the process has mapped; the physical memory where none can be read.
  public static func usableBytes() -> Double {
    var free = Double(ProcessInfo.processInfo.physicalMemory)
    if let available = kilobyteField("MemAvailable", of: "/proc/meminfo") { free = min(free, available) }
    if let cgroup = cgroupFree() { free = min(free, cgroup) }
    if let addressSpace = addressSpaceFree() { free = min(free, addressSpace) }
    return usableShare * max(free, 0)
  }

  /// Throws unless `bytes` fit in the memory a fit may take now (`usableBytes()`); `what`
  /// names what needs them: "<what> needs 2.1 GiB of memory; this machine has 1.4 GiB available".
  public static func require(_ bytes: Double, for what: String) throws {
    let available = usableBytes()
    guard bytes <= available else {
      throw LimitFitError(
        "\(what) needs \(formatBytes(bytes)) of memory; this machine has \(formatBytes(available)) available")
    }
  }

  /// The process's peak resident memory so far (VmHWM), in bytes, where Linux reports it.
  static func processPeakBytes() -> Double? { kilobyteField("VmHWM", of: "/proc/self/status") }

  /// RLIMIT_AS less the process's mapped size (VmSize), where a limit is set.
  private static func addressSpaceFree() -> Double? {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
    return Double(limit.rlim_cur) - (kilobyteField("VmSize", of: "/proc/self/status") ?? 0)
  }

  /// A "Name:  1234 kB" field of a /proc file, in bytes.
  private static func kilobyteField(_ field: String, of path: String) -> Double? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
      let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kilobytes * 1024
  }

  /// The control group's limit less its usage, where a limit is set.
  private static func cgroupFree() -> Double? {
    func number(_ path: String) -> Double? {
      (try? String(contentsOfFile: path, encoding: .utf8))
        .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    let pairs = [
      ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
      ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ]
    for (limitPath, usagePath) in pairs {
      // "max" (v2) does not parse; v1 writes a huge number for "no limit".
      guard let limit = number(limitPath), limit < 0x1p60 else { continue }
      return limit - (number(usagePath) ?? 0)
    }
    return nil
  }
}
