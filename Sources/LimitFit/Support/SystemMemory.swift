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
    if let available = meminfo("MemAvailable") { free = min(free, available) }
    if let cgroup = cgroupFree() { free = min(free, cgroup) }
    if let addressSpace = addressSpaceFree() { free = min(free, addressSpace) }
    return usableShare * max(free, 0)
  }

  /// RLIMIT_AS less the process's mapped size (VmSize), where a limit is set.
  private static func addressSpaceFree() -> Double? {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
    let mapped = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
      .split(separator: "\n").first { $0.hasPrefix("VmSize:") }
      .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    return Double(limit.rlim_cur) - 1024 * mapped
  }

  /// A field of /proc/meminfo, in bytes.
  private static func meminfo(_ field: String) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
      let parts = line.split(separator: " ")
      guard parts.count >= 2, let kilobytes = Double(parts[1]) else { return nil }
      return kilobytes * 1024
    }
    return nil
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
