import Foundation

/// How a capacity answer's vectors are stored: a floating-point precision, or `binary`, ±1
/// entries (1-bit embeddings).
public enum StoragePrecision: String, CaseIterable, Codable, Sendable {
  case float64, float32, float16, bfloat16, binary

  /// The floating-point precision; nil for binary.
  public var floatingPoint: Precision? { Precision(rawValue: rawValue) }
}

/// How an answer is proved (docs/MATHEMATICS.md §7).
public enum CapacityProof: String, Codable, Sendable {
  /// Every k-set of the n documents verified, exactly, with the vectors as stored.
  case checked
  /// The Gram matrix of all n vectors computed exactly and the sum-query lemma applied.
  case coherence
  /// The sum-query lemma applied to the inner products the code's parameters bound.
  case code
}

/// The largest number of documents limitfit proves representable in d dimensions for every
/// set of k of them, with the proof, the construction and the smallest margin.
public struct CapacityAnswer: Codable, Sendable {
  public var dimension: Int
  public var k: Int
  public var precision: StoragePrecision
  /// The construction, for a person.
  public var construction: String
  /// The construction's family: moment-curve, bch, reed-solomon-hadamard, kerdock.
  public var family: String
  public var parameters: [String: Int]
  public var proof: CapacityProof
  /// n; nil past 2^53.
  public var documents: Int?
  public var log10Documents: Double
  /// The smallest margin (cosine units): measured when checked, the lemma's bound otherwise;
  /// nil when no document is left outside the sets.
  public var margin: Double?
  /// The exhaustive check beside a larger proof: the first `documents` vectors of the same
  /// construction, every k-set verified.
  public var checked: CheckedPart?
  public var seconds: Double
  /// The paper's cubic at d.
  public var paperCubic: Double
  /// The optimiser's critical-n at d, where a results file has a search with the defaults.
  public var optimiserCriticalN: Int?
  public var toolVersion = limitfitVersion
  public var gitCommit = limitfitCommit

  /// Every key, `documents`, `margin` and `optimiserCriticalN` as null when they have no value,
  /// so that a reader finds each field in every record.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(dimension, forKey: .dimension)
    try container.encode(k, forKey: .k)
    try container.encode(precision, forKey: .precision)
    try container.encode(construction, forKey: .construction)
    try container.encode(family, forKey: .family)
    try container.encode(parameters, forKey: .parameters)
    try container.encode(proof, forKey: .proof)
    try container.encode(documents, forKey: .documents)
    try container.encode(log10Documents, forKey: .log10Documents)
    try container.encode(margin, forKey: .margin)
    try container.encode(checked, forKey: .checked)
    try container.encode(seconds, forKey: .seconds)
    try container.encode(paperCubic, forKey: .paperCubic)
    try container.encode(optimiserCriticalN, forKey: .optimiserCriticalN)
    try container.encode(toolVersion, forKey: .toolVersion)
    try container.encode(gitCommit, forKey: .gitCommit)
  }

  private enum CodingKeys: String, CodingKey {
    case dimension, k, precision, construction, family, parameters, proof, documents, log10Documents, margin, checked
    case seconds, paperCubic, optimiserCriticalN, toolVersion, gitCommit
  }

  public struct CheckedPart: Codable, Sendable {
    public var documents: Int
    /// The seed of the sample of distinct codewords checked.
    public var sampleSeed: UInt64?
    public var subsets: Int
    public var margin: Double
    public var seconds: Double
  }
}

/// Finds `CapacityAnswer`s: every construction limitfit has (the trigonometric moment curve,
/// extended BCH codes, Reed–Solomon ∘ Hadamard codes, Kerdock's mutually unbiased bases), the
/// best proved for d and k.
public struct CapacityAnalysis: Sendable {
  public var k: Int
  public var precision: StoragePrecision
  /// The most documents checked exhaustively.
  public var maximumChecked: Int

  /// The most ±1 vectors whose Gram matrix is computed for a coherence proof.
  public static let maximumCoherenceDocuments = 1 << 16
  /// The k answered: the sum-query lemma's k-sets up to 5.
  public static let kRange = 1...5

  public init(k: Int, precision: StoragePrecision, maximumChecked: Int) throws {
    guard Self.kRange.contains(k) else {
      throw LimitFitError("\(.k) (\(k)) must be between \(Self.kRange.lowerBound) and \(Self.kRange.upperBound)")
    }
    let limit = Self.checkLimit(k: k)
    guard (k + 1...limit).contains(maximumChecked) else {
      throw LimitFitError(
        "\(.maximumChecked) (\(maximumChecked)) must be between \(k + 1) and \(limit) for k = \(k): checking costs C(n, k)·n")
    }
    // The Gram matrix in 32 bits and its 16-bit copy.
    try SystemMemory.require(6 * Double(maximumChecked) * Double(maximumChecked), for: "checking \(maximumChecked) documents")
    self.k = k
    self.precision = precision
    self.maximumChecked = maximumChecked
  }

  /// The most documents checked for k: C(n, k)·n stays near 10^12 or below, and the Gram
  /// matrix within memory.
  public static func checkLimit(k: Int) -> Int {
    [1: SumQueryCheck.maximumDocuments, 2: 16_384, 3: 1_024, 4: 256, 5: 128][k] ?? 64
  }

  /// The default --max-check for k.
  public static func defaultChecked(k: Int) -> Int { [1: 4_096, 2: 4_096, 3: 256, 4: 96, 5: 48][k] ?? 32 }

  /// The answer for d, and its construction.
  ///
  /// - Parameter momentCurve: the moment curve's checked limit in this precision (the same for
  ///   every d ≥ 4), found once by the caller (`MomentCurveLimit.find`).
  public func answer(dimension d: Int, momentCurve: MomentCurveLimit?) throws -> (CapacityAnswer, CapacityConstruction?) {
    guard d >= 1, d <= Self.maximumDimension else {
      throw LimitFitError("a dimension (\(d)) must be between 1 and \(Self.maximumDimension)")
    }
    let clock = ContinuousClock()
    let began = clock.now
    // The most vectors; of equal counts, the larger margin.
    let code = SumQueryCode.candidates(dimension: d, k: k, binary: precision == .binary)
      .max { ($0.log2Count, $0.provenMargin(k: k)) < ($1.log2Count, $1.provenMargin(k: k)) }
    let best = max(momentCurve.map { Double($0.documents) } ?? 0, code.map { exp2($0.log2Count) } ?? 0)
    if k == 2, best < Double(maximumChecked), let greedy = try greedyAnswer(dimension: d, beating: best, began: began) {
      return greedy
    }
    if let curve = momentCurve, k == 2, d >= 4, Double(curve.documents) >= code.map({ exp2($0.log2Count) }) ?? 0 {
      let answer = CapacityAnswer(
        dimension: d, k: k, precision: precision, construction: "the trigonometric moment curve in d = 4"
          + (d > 4 ? ", padded with zeros" : ""),
        family: "moment-curve", parameters: ["documents": curve.documents], proof: .checked,
        documents: curve.documents, log10Documents: log10(Double(curve.documents)),
        margin: curve.verification.minimumMargin, checked: nil, seconds: curve.seconds, paperCubic: paperCubic(d))
      return (answer, .momentCurve(precision: curve.precision, documents: curve.documents, dimension: d))
    }
    guard let code else {
      // No code this small: the regular simplex's d + 1 vertices, every subset a face, as the
      // integer vectors (d + 1)e_i − 𝟙 of the plane Σx = 0, checked like a code.
      let n = d + 1
      guard k < n, n <= Int(Int8.max), precision != .binary else {
        // k documents: their one k-set is every document, top whatever the vectors.
        let answer = CapacityAnswer(
          dimension: d, k: k, precision: precision, construction: "none beyond k documents (their one set is all of them)",
          family: "none", parameters: [:], proof: .checked, documents: k, log10Documents: log10(Double(k)),
          margin: nil, checked: nil, seconds: (clock.now - began).seconds, paperCubic: paperCubic(d))
        return (answer, nil)
      }
      var entries = [Int8](repeating: -1, count: n * n)
      for i in 0..<n { entries[i * n + i] = Int8(n - 1) }
      let check = SumQueryCheck.check(IntegerDocuments(dimension: n, entries: entries, squaredLength: n * (n - 1)), k: k)
      guard check.solved else { throw LimitFitError("the simplex failed its check in d = \(d); this is a bug in limitfit") }
      let answer = CapacityAnswer(
        dimension: d, k: k, precision: precision, construction: "a regular simplex (\(n) vertices, every subset a face)",
        family: "simplex", parameters: ["vertices": n], proof: .checked, documents: n, log10Documents: log10(Double(n)),
        margin: check.smallestMargin, checked: nil, seconds: (clock.now - began).seconds, paperCubic: paperCubic(d))
      return (answer, nil)
    }
    let total = code.count
    let checkedCount = min(total ?? .max, maximumChecked)
    // All of a small code; of a larger one, a seeded sample of distinct codewords (its first
    // ones would span a subcode, whose distances can be better than the code's).
    let sampleSeed: UInt64? = checkedCount < total ?? .max ? Self.sampleSeed : nil
    let documents = code.documents(count: checkedCount, sampledWith: sampleSeed, dimension: d)
    let check = SumQueryCheck.check(documents, k: k)
    guard check.solved else {
      throw LimitFitError(
        "\(code.summary): the exhaustive check failed at set \(check.worstSubset) (margin \(check.smallestMargin)); this is a bug in limitfit")
    }
    var answer = CapacityAnswer(
      dimension: d, k: k, precision: precision, construction: code.summary, family: code.familyName,
      parameters: code.parameters, proof: .checked, documents: checkedCount, log10Documents: log10(Double(checkedCount)),
      margin: check.smallestMargin, checked: nil, seconds: 0, paperCubic: paperCubic(d))
    if total.map({ $0 > checkedCount }) ?? true {
      answer.checked = .init(
        documents: checkedCount, sampleSeed: sampleSeed, subsets: check.subsets, margin: check.smallestMargin,
        seconds: check.seconds)
      answer.documents = total
      answer.log10Documents = code.log2Count * log10(2)
      answer.proof = .code
      answer.margin = code.provenMargin(k: k)
      if let total, total <= Self.maximumCoherenceDocuments, code.isBinary {
        let coherence = BinaryCoherence.maximumInnerProduct(code.documents(first: total, dimension: d))
        guard coherence <= code.maximumInnerProduct else {
          throw LimitFitError("\(code.summary): an inner product \(coherence) exceeds the code's bound; this is a bug in limitfit")
        }
        answer.proof = .coherence
        answer.margin = code.provenMargin(k: k, maximumInnerProduct: coherence)
      }
    }
    answer.seconds = (clock.now - began).seconds
    return (answer, .code(code, checkedDocuments: checkedCount, sampleSeed: sampleSeed, dimension: d))
  }

  private func paperCubic(_ d: Int) -> Double { LimitFit.paperCubic(Double(d)) }

  /// The greedy construction grown from the best binary code that fits (or from nothing), when
  /// it holds more than `best` documents, checked exhaustively (k = 2).
  private func greedyAnswer(dimension d: Int, beating best: Double, began: ContinuousClock.Instant) throws
    -> (CapacityAnswer, CapacityConstruction)?
  {
    let start = SumQueryCode.candidates(dimension: d, k: 2, binary: true)
      .filter { code in code.count.map { $0 <= maximumChecked } ?? false }
      .max { $0.log2Count < $1.log2Count }
    // Grown from the code, and from nothing (a full code often leaves no room).
    let grown = [start, nil].map { code in
      GreedyConstruction(
        dimension: d, start: code.map { $0.documents(first: $0.count!, dimension: $0.dimension) },
        maximumDocuments: maximumChecked)
    }
    let greedy = grown[0].documents.count >= grown[1].documents.count ? grown[0] : grown[1]
    let used = greedy.startCount > 0 ? start : nil
    let n = greedy.documents.count
    guard Double(n) > best, n > 2 else { return nil }
    let check = SumQueryCheck.check(greedy.documents, k: 2)
    guard check.solved else {
      throw LimitFitError("the greedy construction failed its check in d = \(d); this is a bug in limitfit")
    }
    let added = n - greedy.startCount
    let answer = CapacityAnswer(
      dimension: d, k: 2, precision: precision,
      construction: "greedy: \(added) random ±1 vectors" + (used.map { " added to " + $0.summary } ?? "")
        + " (seed \(greedy.seed))",
      family: "greedy", parameters: ["start": greedy.startCount, "added": added], proof: .checked, documents: n,
      log10Documents: log10(Double(n)), margin: check.smallestMargin, checked: nil,
      seconds: (ContinuousClock().now - began).seconds, paperCubic: paperCubic(d))
    return (answer, .greedy(greedy))
  }

  /// The seed of the codewords sampled for the exhaustive check beside a larger proof.
  public static let sampleSeed: UInt64 = 42

  /// The largest d answered: codes are built up to 2^16 coordinates.
  public static let maximumDimension = 1 << 16
}

extension SumQueryCode {
  /// The family's name in records.
  public var familyName: String {
    switch family {
    case .bch: "bch"
    case .reedSolomonHadamard: "reed-solomon-hadamard"
    case .kerdock: "kerdock"
    }
  }

  /// Whether every vector is ±1 (Kerdock's standard basis is not).
  var isBinary: Bool {
    if case .kerdock(_, true) = family { return false }
    return true
  }
}

/// The moment curve's largest checked n in one precision.
public struct MomentCurveLimit: Sendable {
  public var precision: Precision
  public var documents: Int
  public var verification: Verification
  /// Whether n is only the cap (every n tried was solved).
  public var capped: Bool
  public var seconds: Double

  /// The most documents checked: the check costs O(n³) (about 10 s at this size on 2 cores,
  /// where float64 solves every n).
  public static let largestChecked = 2048

  /// The largest n ≤ `maximumDocuments` found solved: the cap itself if it is solved, else a
  /// boundary found by galloping and bisecting, then a scan above it (solvability is not
  /// monotone in n for the rounded curve; any solved n proves every smaller one, since a
  /// subset of documents keeps every set solved).
  public static func find(precision: Precision, maximumDocuments: Int) throws -> MomentCurveLimit {
    guard maximumDocuments >= 4 else {
      throw LimitFitError("the moment curve is checked from 4 documents, not up to \(maximumDocuments)")
    }
    let clock = ContinuousClock()
    let began = clock.now
    func verify(_ n: Int, stopping: Bool) throws -> Verification {
      try CyclicWitness(documents: n, dimension: 4, precision: precision).verify(stoppingAtFirstFailure: stopping)
    }
    let cap = min(maximumDocuments, largestChecked)
    let top = try verify(cap, stopping: true)
    if top.solved {
      return MomentCurveLimit(precision: precision, documents: cap, verification: try verify(cap, stopping: false), capped: true,
        seconds: (clock.now - began).seconds)
    }
    var (best, _) = try ExponentialSearch.boundary(from: 3, through: ExponentialSearch.doublings(from: 4, to: cap)) {
      try verify($0, stopping: true).solved
    }
    let scanEnd = min(cap - 1, best + best / 8 + 16)
    if best + 1 <= scanEnd {
      for n in (best + 1)...scanEnd where try verify(n, stopping: true).solved { best = n }
    }
    return MomentCurveLimit(precision: precision, documents: best, verification: try verify(best, stopping: false), capped: false,
      seconds: (clock.now - began).seconds)
  }
}

/// The vectors behind an answer, for a certificate: its documents and, for each k-set, its query.
public enum CapacityConstruction: Sendable {
  /// The witness's curve in d = 4 (padded to d), with its own queries (k = 2).
  case momentCurve(precision: Precision, documents: Int, dimension: Int)
  /// `checkedDocuments` vectors of a code (its first ones, or a seeded sample of distinct
  /// codewords), each k-set queried by the sum of its vectors.
  case code(SumQueryCode, checkedDocuments: Int, sampleSeed: UInt64?, dimension: Int)
  /// The greedy construction's vectors, each pair queried by its sum.
  case greedy(GreedyConstruction)

  /// The work of `verify` on a certificate of n documents: C(n, k) queries × n documents × d.
  static func verificationWork(documents n: Int, k: Int, dimension d: Int) -> Double {
    (binomial(n, k).map(Double.init) ?? .infinity) * Double(n) * Double(d)
  }

  /// The most documents of the construction a certificate holds: all checked ones, while
  /// `verify` takes about a minute (C(n, k)·n·d ≤ 2·10^10).
  public func certificateDocuments(k: Int) -> Int {
    let (available, d) = switch self {
    case .momentCurve(_, let n, let d): (n, d)
    case .code(_, let n, _, let d): (n, d)
    case .greedy(let greedy): (greedy.documents.count, greedy.dimension)
    }
    var n = available
    while n > k + 1, Self.verificationWork(documents: n, k: k, dimension: d) > 2e10 { n -= max(1, n / 64) }
    return n
  }

  /// The first n documents and every k-set's query, as float32 embeddings (the codes' integer
  /// entries are exact; queries are not scaled to unit length, which changes no ranking).
  public func certificate(documents n: Int, k: Int) throws -> (Embeddings, LabeledQrels) {
    let qrels = LabeledQrels.allSubsets(documents: n, k: k)
    switch self {
    case .momentCurve(let precision, _, let d):
      return (try CyclicWitness(documents: n, dimension: d, precision: precision).embeddings(), qrels)
    case .code(let code, let checked, let seed, let d):
      return (Self.sumQueries(code.documents(count: checked, sampledWith: seed, dimension: d).rows(0..<n), of: qrels), qrels)
    case .greedy(let greedy):
      return (Self.sumQueries(greedy.documents.rows(0..<n), of: qrels), qrels)
    }
  }

  /// The documents, and for each query of `qrels` the sum of its documents' vectors.
  private static func sumQueries(_ documents: IntegerDocuments, of qrels: LabeledQrels) -> Embeddings {
    let d = documents.dimension
    var queries = [Float](repeating: 0, count: qrels.qrels.queryCount * d)
    for query in 0..<qrels.qrels.queryCount {
      for document in qrels.qrels.relevant(to: query) {
        for c in 0..<d { queries[query * d + c] += Float(documents.entries[Int(document) * d + c]) }
      }
    }
    return Embeddings(dimension: d, queries: queries, documents: documents.entries.map(Float.init))
  }

  /// One line for the certificate's metadata.
  public var summary: String {
    switch self {
    case .momentCurve(let precision, _, let d): "the trigonometric moment curve in d = 4 (\(precision.rawValue)), in d = \(d)"
    case .code(let code, _, let seed, let d):
      "\(code.summary) in d = \(d)" + (seed.map { ", codewords sampled with seed \($0)" } ?? "")
        + "; every k-set queried by the sum of its vectors"
    case .greedy(let greedy):
      "the greedy construction in d = \(greedy.dimension) (seed \(greedy.seed), \(greedy.startCount) start vectors); "
        + "every pair queried by the sum of its vectors"
    }
  }
}
