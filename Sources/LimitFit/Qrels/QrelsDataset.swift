import Foundation

/// The qrels and the corpus in the folder of a BEIR or MTEB data set.
///
/// BEIR's folders hold corpus.jsonl, queries.jsonl and qrels/<split>.tsv; MTEB's the same, or
/// qrels/<split>.jsonl, or a single qrels.jsonl (LIMIT's). Any of these files may be
/// gzip-compressed, with .gz added to its name.
struct QrelsDataset {
  /// The folder, as given.
  var folder: String
  /// The qrels file, within the folder: qrels/<split>.tsv, qrels/<split>.jsonl or qrels.jsonl,
  /// the first of them there is (plain, then .gz).
  var qrels: String
  /// corpus.jsonl (or corpus.jsonl.gz), where the folder has one.
  var corpus: String?
  /// queries.jsonl (or queries.jsonl.gz), where the folder has one.
  var queries: String?

  /// Finds the qrels of `split` in `folder`, and its corpus.
  ///
  /// - Parameter split: the split; by default "test", or the single qrels.jsonl.
  /// - Throws: `LimitFitError` naming the splits there are when `split` is none of them, or what
  ///   a data set's folder holds when `folder` has no qrels.
  init(folder: String, split: String?) throws {
    self.folder = folder
    if let split, split.isEmpty || split.contains("/") || split == "." || split == ".." {
      throw LimitFitError("\(.split) \"\(split)\": a split is the name of a file in the data set's qrels/ folder, not a path")
    }
    func path(of name: String) -> String { Self.path(of: name, in: folder) }
    func first(of names: [String]) -> String? {
      names.flatMap { [$0, $0 + ".gz"] }.first { FileManager.default.fileExists(atPath: path(of: $0)) }
    }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path(of: "qrels"), isDirectory: &isFolder), isFolder.boolValue {
      let split = split ?? "test"
      guard let qrels = first(of: ["qrels/\(split).tsv", "qrels/\(split).jsonl"]) else {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path(of: "qrels"))) ?? []
        let splits = Set(files.compactMap(Self.split(ofFileNamed:))).sorted()
        throw LimitFitError(
          "\(folder): no split \"\(split)\" in qrels/ (\(splits.isEmpty ? "it has no .tsv or .jsonl file" : "its splits: " + splits.joined(separator: ", ")))")
      }
      self.qrels = qrels
    } else if let qrels = first(of: ["qrels.jsonl"]) {
      if let split {
        throw LimitFitError("\(folder): one qrels.jsonl, no qrels/ folder of splits such as \"\(split)\"")
      }
      self.qrels = qrels
    } else {
      throw LimitFitError(
        "\(folder): a folder, but not a BEIR or MTEB data set's: it has neither qrels/<split>.tsv (or .jsonl) nor qrels.jsonl")
    }
    corpus = first(of: ["corpus.jsonl"])
    queries = first(of: ["queries.jsonl"])
  }

  /// The path of `name`, a file within the folder.
  func path(of name: String) -> String { Self.path(of: name, in: folder) }

  private static func path(of name: String, in folder: String) -> String {
    folder.hasSuffix("/") ? folder + name : folder + "/" + name
  }

  /// "folder (qrels/test.tsv, corpus.jsonl)": the folder and the files read from it.
  func description(withCorpus: Bool) -> String {
    "\(folder) (\(([qrels] + (withCorpus ? corpus.map { [$0] } ?? [] : [])).joined(separator: ", ")))"
  }

  /// The split that a file in qrels/ holds: "dev" for dev.tsv, dev.jsonl or either .gz.
  private static func split(ofFileNamed name: String) -> String? {
    let plain = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
    for suffix in [".tsv", ".jsonl"] where plain.hasSuffix(suffix) && plain.count > suffix.count {
      return String(plain.dropLast(suffix.count))
    }
    return nil
  }
}
