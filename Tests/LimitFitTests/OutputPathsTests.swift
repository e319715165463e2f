import Foundation
@testable import LimitFit
import TestSupport
import Testing

@Suite struct OutputPathsTests {
  @Test func anInputIsRefusedThroughSymlinksAndHardLinks() throws {
    let input = try writeFile("qrels.tsv", "q\td\t1\n")
    let folder = (input as NSString).deletingLastPathComponent
    try FileManager.default.createSymbolicLink(atPath: folder + "/link.tsv", withDestinationPath: input)
    try FileManager.default.linkItem(atPath: input, toPath: folder + "/hard.tsv")
    var throughLink = OutputPaths(inputs: [folder + "/link.tsv"], overwrite: true)
    #expect(throws: LimitFitError("--json \(input) is one of the inputs (\(folder)/link.tsv); name another file")) {
      try throughLink.file(input, option: "--json")
    }
    var hardLinked = OutputPaths(inputs: [input], overwrite: true)
    #expect(throws: LimitFitError("--json \(folder)/hard.tsv is one of the inputs (\(input)); name another file")) {
      try hardLinked.file(folder + "/hard.tsv", option: "--json")
    }
    var inFolder = OutputPaths(inputs: [folder], overwrite: true)
    #expect(throws: LimitFitError("--out \(folder)/curve is inside the input folder \(folder); name a path outside it")) {
      _ = try inFolder.folder(folder + "/curve", files: ["curve.json"], option: "--out")
    }
  }

  @Test func twoOutputsNeverWriteOneFile() throws {
    let folder = try temporaryFolder().path
    var outputs = OutputPaths(inputs: [], overwrite: false)
    _ = try outputs.folder(folder + "/certificate", files: ["certificate.json"], option: "--save-embeddings")
    #expect(throws: LimitFitError(
      "--json \(folder)/certificate/./certificate.json and --save-embeddings \(folder)/certificate (certificate.json) are the same file; give each output its own path"
    )) {
      try outputs.file(folder + "/certificate/./certificate.json", option: "--json")
    }
    // A file written whole never lies in a folder the run fills, nor is one.
    #expect(throws: LimitFitError(
      "--json \(folder)/certificate/fits.json lies in --save-embeddings \(folder)/certificate, which the run fills; name a path outside it"
    )) {
      try outputs.file(folder + "/certificate/fits.json", option: "--json")
    }
    try outputs.file(folder + "/fits.json", option: "--json")
    #expect(throws: LimitFitError(
      "--out \(folder) would hold --json \(folder)/fits.json; name a path outside it"
    )) {
      _ = try outputs.folder(folder, files: ["curve.json"], option: "--out")
    }
    #expect(throws: LimitFitError("--json \(folder)/x/: ends in /, which names a folder; name a file")) {
      try outputs.file(folder + "/x/", option: "--json")
    }
    #expect(throws: LimitFitError(
      "--results \(folder)/fits.json and --json \(folder)/fits.json are the same file; give each output its own path"
    )) {
      try outputs.updatedFile(folder + "/fits.json", option: "--results")
    }
  }

  @Test func anExistingFileNeedsOverwriteUnlessUpdated() throws {
    let path = try writeFile("result.json", "{}\n")
    var outputs = OutputPaths(inputs: [], overwrite: false)
    #expect(throws: LimitFitError("--json \(path) exists; pass --overwrite to replace it")) {
      try outputs.file(path, option: "--json")
    }
    var updating = OutputPaths(inputs: [], overwrite: false)
    try updating.updatedFile(path, option: "--results")
    var replacing = OutputPaths(inputs: [], overwrite: true)
    try replacing.file(path, option: "--json")
  }

  @Test func aResultsFileMayBeASymlinkAWrittenFileMayNot() throws {
    let target = try writeFile("fits.jsonl", "")
    let link = (target as NSString).deletingLastPathComponent + "/link.jsonl"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    var outputs = OutputPaths(inputs: [], overwrite: true)
    try outputs.updatedFile(link, option: "--results")
    let loop = (target as NSString).deletingLastPathComponent + "/loop.jsonl"
    try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
    #expect(throws: LimitFitError("--results \(loop): cannot follow the link: Too many levels of symbolic links")) {
      try outputs.updatedFile(loop, option: "--results")
    }
    var replacing = OutputPaths(inputs: [], overwrite: true)
    #expect(throws: LimitFitError("--json \(link): not a regular file; it is never replaced")) {
      try replacing.file(link, option: "--json")
    }
  }

  @Test func theFolderOfABareNameIsTheCurrentOne() {
    // NSString's deletingLastPathComponent trapped on "a" and put "ab"'s temporary file in /.
    #expect(FileOutput.folder(of: "a") == "." && FileOutput.folder(of: "ab") == ".")
    #expect(FileOutput.folder(of: "/a") == "/" && FileOutput.folder(of: "x/y/a") == "x/y")
  }

  @Test func aFolderNoFileCanBeCreatedInIsRefused() throws {
    var outputs = OutputPaths(inputs: [], overwrite: false)
    #expect(throws: LimitFitError("--json /proc/a/b.json: cannot write in /proc: No such file or directory")) {
      try outputs.file("/proc/a/b.json", option: "--json")
    }
    #expect(throws: LimitFitError("--out /etc/passwd/curve: /etc/passwd is a file, not a folder")) {
      _ = try outputs.folder("/etc/passwd/curve", files: ["curve.json"], option: "--out")
    }
  }
}
