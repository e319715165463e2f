import Foundation
import TestSupport
import Testing

/// Files limitfit writes and reads back say what they are and carry what finds damage: a
/// certificate names its format and the checksums of its matrices; older ones still read.
@Suite struct FileIdentityTests {
  func certificate() throws -> String {
    let folder = try temporaryFolder().appendingPathComponent("certificate").path
    let fit = try limitfit(["fit", "--docs", "4", "--dim", "3", "--save-embeddings", folder])
    #expect(fit.status == 0, "\(fit.standardError)")
    return folder
  }

  func verify(_ folder: String) throws -> (status: Int32, standardOutput: String, standardError: String) {
    try limitfit(["verify", folder, "--pattern", "dense", "--queries", "6"])
  }

  @Test func aDamagedMatrixIsRefusedBeforeItIsTrusted() throws {
    let folder = try certificate()
    #expect(try verify(folder).status == 0)
    let metadata = try String(contentsOfFile: folder + "/certificate.json", encoding: .utf8)
    #expect(metadata.contains("\"format\" : \"limitfit certificate 1\"") && metadata.contains("\"documents.npy\""))
    // One bit of one value flipped: still a well-formed .npy file, no longer the one written.
    let path = folder + "/documents.npy"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count - 2] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: path))
    let run = try verify(folder)
    #expect(run.status == 1)
    #expect(run.standardError == "Error: \(folder): documents.npy does not match the checksum certificate.json records: it was changed or damaged since it was written\n")
  }

  @Test func olderCertificatesStillReadAndOtherFormatsAreRefused() throws {
    let folder = try certificate()
    let path = folder + "/certificate.json"
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    json["format"] = nil
    json["checksums"] = nil
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
    #expect(try verify(folder).status == 0)
    json["format"] = "limitfit certificate 9"
    try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
    let run = try verify(folder)
    #expect(run.status == 1 && run.standardError.contains("a \"limitfit certificate 9\", not a \"limitfit certificate 1\""))
  }

  @Test(.enabled(if: hasOpenCL || ProcessInfo.processInfo.environment["CI"] == "true", "no OpenCL platform"))
  func aTuningFileOfAnotherFormatIsRefused() throws {
    let folder = try temporaryFolder().path
    let tuning = folder + "/tuning.json"
    try "{\"devices\": {}, \"format\": \"something else\"}".write(toFile: tuning, atomically: true, encoding: .utf8)
    let bench = ["bench", "--backend", "opencl", "--docs", "4", "--dim", "2", "--seconds", "0", "--repeats", "1"]
    let run = try limitfit(bench, environment: ["LIMITFIT_TUNING": tuning])
    #expect(run.status != 0 && run.standardError.contains("a \"something else\", not a \"limitfit tuning 1\""), "\(run.standardError)")
    try "{\"devices\": {}}".write(toFile: tuning, atomically: true, encoding: .utf8)
    let older = try limitfit(bench, environment: ["LIMITFIT_TUNING": tuning])
    #expect(older.status == 0, "\(older.standardError)")
  }
}
