import Foundation
import Testing

/// The repository's scripts against bad arguments.
@Suite struct ToolScriptTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  @Test(arguments: ["0", "-3", "abc", "1e3", "99999999999999999999"])
  func submitRefusesATaskCountThatIsNoWholeNumber(_ tasks: String) throws {
    // Refused before sbatch is needed: none is installed here.
    let run = try run("/bin/bash", [Self.repository + "/tools/slurm/submit.sh", tasks])
    #expect(run.status == 64)
    #expect(run.standardError == "submit.sh: TASKS must be a whole number from 1 to 10000, not \"\(tasks)\"\n")
  }
}
