import CPUEngine
import Foundation

/// The embeddings in float32, in the layouts the score kernel reads (`ScoreTile`), with the
/// norms of their rows computed in double from the files' values.
struct PackedEmbeddings: Sendable {
  /// The evaluated query rows, in the relevance matrix's query order, row-major.
  let queries: ThreadSharedBuffer<Float>
  let queryNorms: [Double]
  /// Every document row, in panels of 16 (the last padded with zeros).
  let panels: ThreadSharedBuffer<Float>
  let panelCount: Int
  let documentNorms: ClosedRange<Double>

  /// Rows of panels packed by one part of the work.
  private static let panelsPerPart = 32

  /// Reads query rows `rows` of `queries` and every row of `documents`.
  ///
  /// - Throws: `LimitFitError` naming the file and row of the first value that is not finite,
  ///   or of a norm beyond `RetrievalEvaluation.maximumNorm`.
  init(queries: NPYMatrix, rows: [Int], documents: NPYMatrix) throws {
    let d = documents.columns
    let width = ScoreTile.panelWidth
    var queryCheck = RowCheck()
    let queryValues = ThreadSharedBuffer<Float>(repeating: 0, count: rows.count * d)
    var exact = [Double](repeating: 0, count: d)
    var norms: [Double] = []
    for (index, row) in rows.enumerated() {
      exact.withUnsafeMutableBufferPointer { buffer in
        queries.read(rows: row..<(row + 1), into: buffer.baseAddress!)
        norms.append(queryCheck.add(row: row, buffer.baseAddress!, count: d))
        for c in 0..<d { queryValues[index * d + c] = Float(buffer[c]) }
      }
    }

    let panelCount = documents.rows.dividedRoundingUp(by: width)
    let panels = ThreadSharedBuffer<Float>.zeros(count: panelCount * width * d)
    let parts = panelCount.dividedRoundingUp(by: Self.panelsPerPart)
    let checks = ThreadSharedBuffer<RowCheck>(repeating: RowCheck(), count: parts)
    defer { checks.deallocate() }
    WorkerPool.shared.forEach(parts) { part in
      let block = UnsafeMutablePointer<Double>.allocate(capacity: width * d)
      defer { block.deallocate() }
      var check = RowCheck()
      for panel in (part * Self.panelsPerPart)..<min((part + 1) * Self.panelsPerPart, panelCount) {
        let first = panel * width
        let count = min(width, documents.rows - first)
        documents.read(rows: first..<(first + count), into: block)
        let out = panels.base + panel * width * d
        for l in 0..<count {
          let row = block + l * d
          _ = check.add(row: first + l, row, count: d)
          for c in 0..<d { out[c * width + l] = Float(row[c]) }
        }
      }
      checks[part] = check
    }
    let documentCheck = (0..<parts).reduce(into: RowCheck()) { $0.merge(checks[$1]) }
    do {
      try queryCheck.validate(queries)
      try documentCheck.validate(documents)
    } catch {
      queryValues.deallocate()
      panels.deallocate()
      throw error
    }
    self.queries = queryValues
    self.queryNorms = norms
    self.panels = panels
    self.panelCount = panelCount
    documentNorms = documentCheck.smallest...documentCheck.largest
  }

  func deallocate() {
    queries.deallocate()
    panels.deallocate()
  }

  /// What reading rows found: the first value that is not finite, and the smallest and largest
  /// norm.
  private struct RowCheck {
    var firstNonFinite: (row: Int, value: Double)?
    var smallest = Double.infinity
    /// The smallest norm other than 0, and its row: zero rows score exactly 0 (true ties), but
    /// tiny ones underflow.
    var smallestNonzero = Double.infinity
    var smallestNonzeroRow = 0
    var largest = 0.0
    var largestRow = 0

    /// Checks row `row`, `count` values from `values`; returns its norm.
    mutating func add(row: Int, _ values: UnsafePointer<Double>, count: Int) -> Double {
      // Four running sums, which the compiler keeps in lanes; their order does not matter to a
      // norm that only sizes a bound.
      var sums = (0.0, 0.0, 0.0, 0.0)
      var c = 0
      while c + 4 <= count {
        sums.0 += values[c] * values[c]
        sums.1 += values[c + 1] * values[c + 1]
        sums.2 += values[c + 2] * values[c + 2]
        sums.3 += values[c + 3] * values[c + 3]
        c += 4
      }
      while c < count {
        sums.0 += values[c] * values[c]
        c += 1
      }
      let sum = (sums.0 + sums.1) + (sums.2 + sums.3)
      if !sum.isFinite, let bad = (0..<count).first(where: { !values[$0].isFinite }) {
        if firstNonFinite.map({ row < $0.row }) ?? true { firstNonFinite = (row, values[bad]) }
        return 0
      }
      // Squares beyond double's range: the norm of the row scaled by its largest value.
      let largestValue = sum.isFinite ? 1 : (0..<count).reduce(0.0) { max($0, abs(values[$1])) }
      let norm = sum.isFinite
        ? sum.squareRoot()
        : largestValue * (0..<count).reduce(0.0) { $0 + (values[$1] / largestValue) * (values[$1] / largestValue) }.squareRoot()
      smallest = min(smallest, norm)
      if norm > 0, norm < smallestNonzero || (norm == smallestNonzero && row < smallestNonzeroRow) {
        (smallestNonzero, smallestNonzeroRow) = (norm, row)
      }
      if norm > largest || (norm == largest && row < largestRow) { (largest, largestRow) = (norm, row) }
      return norm
    }

    /// Takes in what another part found.
    mutating func merge(_ other: RowCheck) {
      if let bad = other.firstNonFinite, firstNonFinite.map({ bad.row < $0.row }) ?? true { firstNonFinite = bad }
      smallest = min(smallest, other.smallest)
      if other.smallestNonzero < smallestNonzero
        || (other.smallestNonzero == smallestNonzero && other.smallestNonzeroRow < smallestNonzeroRow)
      {
        (smallestNonzero, smallestNonzeroRow) = (other.smallestNonzero, other.smallestNonzeroRow)
      }
      if other.largest > largest || (other.largest == largest && other.largestRow < largestRow) {
        (largest, largestRow) = (other.largest, other.largestRow)
      }
    }

    /// Throws for a value that is not finite, or a norm too large or too small for float32 scores.
    func validate(_ matrix: NPYMatrix) throws {
      if let (row, value) = firstNonFinite {
        throw LimitFitError("\(matrix.name): row \(row) holds \(value), not a finite number")
      }
      guard largest <= RetrievalEvaluation.maximumNorm else {
        throw LimitFitError(
          "\(matrix.name): row \(largestRow) has norm \(largest), above 2^63: scores are computed in float32, "
            + "which products of such rows overflow; scale the embeddings down")
      }
      guard smallestNonzero >= RetrievalEvaluation.minimumNorm else {
        throw LimitFitError(
          "\(matrix.name): row \(smallestNonzeroRow) has norm \(smallestNonzero), below 2^-60: scores are computed "
            + "in float32, where products of such rows underflow to ties; scale the embeddings up")
      }
    }
  }
}

/// The pass over every query and document: float32 scores from the score kernel, a tile of
/// queries × documents at a time on every core; from each tile, each query's best 100 documents
/// and the scores the exact verdict needs, recomputed in double precision.
///
/// The work is split into query blocks and, where they are too few to keep every core busy,
/// ranges of documents, whose findings are merged; the results do not depend on the split.
struct RankingPass {
  /// Queries scored against each tile of documents.
  static let blockSize = 64
  /// Panels of documents (16 each) in a tile.
  static let tilePanels = 8

  let queryCount: Int
  let documentCount: Int
  let dimension: Int
  /// How many documents each query's ranking keeps.
  let depth: Int
  let blocks: Int
  let tiles: Int
  /// Ranges of documents each query block is split into.
  let ranges: Int
  let threads = ProcessInfo.processInfo.activeProcessorCount

  /// - Parameter depth: how many documents each query's ranking keeps (at most n).
  init(queries m: Int, documents n: Int, dimension d: Int, depth: Int = RetrievalMetrics.depth) {
    (queryCount, documentCount, dimension) = (m, n, d)
    self.depth = min(depth, n)
    blocks = m.dividedRoundingUp(by: Self.blockSize)
    let panels = n.dividedRoundingUp(by: ScoreTile.panelWidth)
    tiles = panels.dividedRoundingUp(by: Self.tilePanels)
    // At least four parts per thread where the documents allow it.
    ranges = max(1, min(tiles, (4 * threads).dividedRoundingUp(by: blocks)))
  }

  /// The memory the pass and its packed embeddings take.
  var bytesNeeded: Double {
    let (m, n, d) = (Double(queryCount), Double(documentCount), Double(dimension))
    let panels = (n + 15) * d * 4
    let queries = m * d * 4 + m * 8
    let findings = m * Double(ranges) * (Double(depth) * 16 + 64)
    let scratch = Double(threads)
      * (Double(Self.blockSize) * d * 8 + Double(Self.blockSize * Self.tilePanels) * 16 * 4 + 17 * d * 8)
    return panels + queries + findings + scratch
  }

  /// What the pass found, per query.
  struct Findings {
    /// The documents ranked first, best first, `depth` of them, with their float32 scores.
    var rankings: [[RetrievalEvaluation.RankedRow]]
    var worstRelevant: [RetrievalEvaluation.ScoredDocument]
    var bestIrrelevant: [RetrievalEvaluation.ScoredDocument?]
    var recomputedScores: Int
  }

  /// Runs the pass; `queries` and `documents` supply the exact values the double-precision
  /// scores are computed from. Documents with equal float32 scores rank by `tieKeys`, the
  /// smaller first (`tieKeys[row]`; `nil`: by row).
  func run(
    _ packed: PackedEmbeddings, queries: NPYMatrix, queryRows: [Int], documents: NPYMatrix,
    relevantRows: [[Int]], tieKeys: [Int32]?, level: CPULevel
  ) -> Findings {
    let (m, n, d) = (queryCount, documentCount, dimension)
    let largestDocumentNorm = packed.documentNorms.upperBound
    let partials = ThreadSharedBuffer<QueryScan.Partial>(repeating: QueryScan.Partial(), count: m * ranges)
    defer { partials.deallocate() }
    let recomputed = ThreadSharedBuffer<Int>(repeating: 0, count: blocks * ranges)
    defer { recomputed.deallocate() }
    WorkerPool.shared.forEach(blocks * ranges) { part in
      let (block, range) = (part / ranges, part % ranges)
      let first = block * Self.blockSize
      let count = min(Self.blockSize, m - first)
      let tileRange = (range * tiles / ranges)..<((range + 1) * tiles / ranges)
      let stride = Self.tilePanels * ScoreTile.panelWidth
      let scores = UnsafeMutablePointer<Float>.allocate(capacity: (count + 3) / 4 * 4 * stride)
      let exactQueries = UnsafeMutablePointer<Double>.allocate(capacity: count * d)
      let documentRow = UnsafeMutablePointer<Double>.allocate(capacity: d)
      defer {
        scores.deallocate()
        exactQueries.deallocate()
        documentRow.deallocate()
      }
      for i in 0..<count { queries.read(rows: queryRows[first + i]..<(queryRows[first + i] + 1), into: exactQueries + i * d) }
      let documentStart = tileRange.lowerBound * stride
      var scans = (0..<count).map { i in
        QueryScan(
          depth: depth, relevantRows: relevantRows[first + i], from: documentStart,
          window: 2 * Self.roundingBound(queryNorm: packed.queryNorms[first + i], documentNorm: largestDocumentNorm, dimension: d))
      }
      for tile in tileRange {
        let firstPanel = tile * Self.tilePanels
        let panelCount = min(Self.tilePanels, packed.panelCount - firstPanel)
        level.scoreTile(
          packed.queries.base + first * d, count, packed.panels.base + firstPanel * ScoreTile.panelWidth * d,
          panelCount, d, scores, stride)
        let rows = (firstPanel * ScoreTile.panelWidth)..<min((firstPanel + panelCount) * ScoreTile.panelWidth, n)
        for i in 0..<count {
          let query = exactQueries + i * d
          scans[i].scan(scores + i * stride, rows: rows, tieKeys: tieKeys) { row in
            documents.read(rows: row..<(row + 1), into: documentRow)
            var score = 0.0
            for c in 0..<d { score += query[c] * documentRow[c] }
            return score
          }
        }
      }
      for i in 0..<count { partials[(first + i) * ranges + range] = scans[i].partial }
      recomputed[part] = scans.reduce(0) { $0 + $1.recomputed }
    }

    var findings = Findings(rankings: [], worstRelevant: [], bestIrrelevant: [], recomputedScores: 0)
    for query in 0..<m {
      var merged = partials[query * ranges]
      for range in 1..<ranges { merged.merge(partials[query * ranges + range], depth: depth) }
      findings.rankings.append(merged.ranking.map { .init(row: Int($0.row), score: $0.score) })
      findings.worstRelevant.append(merged.worstRelevant)
      findings.bestIrrelevant.append(merged.bestIrrelevant.row >= 0 ? merged.bestIrrelevant : nil)
    }
    findings.recomputedScores = (0..<(blocks * ranges)).reduce(0) { $0 + recomputed[$1] }
    return findings
  }

  /// A bound on |s̃ − s|, where s = q · x in exact arithmetic and s̃ is the score the kernel
  /// computes in float32 from q and x rounded to float32 (no rounding for float16 and float32
  /// files), for any q and x with ‖q‖ ≤ `queryNorm` and ‖x‖ ≤ `documentNorm` in d dimensions:
  /// γ_{d+2} ‖q‖‖x‖ + 4η(√d (‖q‖ + ‖x‖) + d), with u = 2⁻²⁴, γ_k = k·u / (1 − k·u) and η = 2⁻¹⁵⁰
  /// for underflow, enlarged by 2⁻²⁰ of itself for the rounding of the norms and of the bound
  /// (docs/MATHEMATICS.md §6).
  static func roundingBound(queryNorm a: Double, documentNorm b: Double, dimension d: Int) -> Double {
    let u = 0x1p-24
    let eta = 0x1p-150
    let k = Double(d + 2)
    let gamma = k * u / (1 - k * u)
    let dimension = Double(d)
    return (1 + 0x1p-20) * (gamma * a * b + 4 * eta * (dimension.squareRoot() * (a + b) + dimension))
  }
}

/// One query's pass over documents in increasing row order: its best documents by float32
/// score, and in double precision its worst relevant score and best irrelevant one.
struct QueryScan {
  /// A document and its float32 score.
  struct RankedDocument {
    var score: Float
    var row: Int32
    /// Among equal scores, the smaller key ranks first.
    var tieKey: Int32

    /// Whether `a` ranks after `b`: a lower score, or the same score and a larger tie key.
    static func ranksAfter(_ a: RankedDocument, _ b: RankedDocument) -> Bool {
      a.score < b.score || (a.score == b.score && a.tieKey > b.tieKey)
    }
  }

  /// What a scan found, to be merged with the scans of the query's other documents.
  struct Partial {
    /// Best first.
    var ranking: [RankedDocument] = []
    var worstRelevant = RetrievalEvaluation.ScoredDocument(row: -1, score: .infinity)
    /// Row −1 while no irrelevant document has been seen.
    var bestIrrelevant = RetrievalEvaluation.ScoredDocument(row: -1, score: -.infinity)

    /// Takes in what a scan of later documents found.
    mutating func merge(_ later: Partial, depth: Int) {
      ranking = Array((ranking + later.ranking).sorted { QueryScan.RankedDocument.ranksAfter($1, $0) }.prefix(depth))
      if later.worstRelevant.score < worstRelevant.score { worstRelevant = later.worstRelevant }
      if later.bestIrrelevant.score > bestIrrelevant.score { bestIrrelevant = later.bestIrrelevant }
    }
  }

  /// The best documents so far: a heap whose root ranks after all the others.
  private var heap: [RankedDocument] = []
  private let depth: Int
  /// Scores below it cannot enter the heap: −∞ until it is full, then the root's score (at
  /// the root's score the tie key decides).
  private var threshold = -Float.infinity
  private let relevantRows: [Int]
  /// The next relevant row at or after the rows scanned, or Int.max.
  private var nextRelevant: Int
  private var nextRelevantIndex: Int
  /// The best float32 score of an irrelevant document so far.
  private var bestFloat = -Float.infinity
  /// Irrelevant documents whose float32 score is within this of `bestFloat` are recomputed.
  private let window: Double
  private var found = Partial()
  /// Irrelevant scores recomputed.
  private(set) var recomputed = 0

  /// A scan of documents from row `start` on, keeping `depth` of them.
  init(depth: Int, relevantRows: [Int], from start: Int, window: Double) {
    self.depth = depth
    self.relevantRows = relevantRows
    self.window = window
    heap.reserveCapacity(depth)
    nextRelevantIndex = relevantRows.firstIndex { $0 >= start } ?? relevantRows.count
    nextRelevant = nextRelevantIndex < relevantRows.count ? relevantRows[nextRelevantIndex] : .max
  }

  /// Scans the documents `rows`, whose float32 scores are `scores[0..<rows.count]`, equal scores
  /// ranked by `tieKeys[row]` (`nil`: by row); `exactScore` gives a row's score in double
  /// precision.
  mutating func scan(
    _ scores: UnsafePointer<Float>, rows: Range<Int>, tieKeys: [Int32]? = nil, exactScore: (Int) -> Double
  ) {
    for (offset, row) in rows.enumerated() {
      let score = scores[offset]
      if score >= threshold {
        let document = RankedDocument(score: score, row: Int32(row), tieKey: tieKeys?[row] ?? Int32(row))
        if heap.count < depth || RankedDocument.ranksAfter(heap[0], document) { insert(document) }
      }
      if row == nextRelevant {
        let exact = exactScore(row)
        if exact < found.worstRelevant.score { found.worstRelevant = .init(row: row, score: exact) }
        nextRelevantIndex += 1
        nextRelevant = nextRelevantIndex < relevantRows.count ? relevantRows[nextRelevantIndex] : .max
        continue
      }
      if score > bestFloat { bestFloat = score }
      // A document can hold the best irrelevant score only if its float32 score is within the
      // window of the best float32 one: each is within half the window of its exact score.
      // (Double rounds the difference by far less than the bound's own margin.)
      if Double(bestFloat) - Double(score) <= window {
        recomputed += 1
        let exact = exactScore(row)
        if exact > found.bestIrrelevant.score { found.bestIrrelevant = .init(row: row, score: exact) }
      }
    }
  }

  /// What the scan found.
  var partial: Partial {
    var result = found
    result.ranking = heap.sorted { RankedDocument.ranksAfter($1, $0) }
    return result
  }

  private mutating func insert(_ document: RankedDocument) {
    if heap.count < depth {
      heap.append(document)
      var child = heap.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        guard RankedDocument.ranksAfter(heap[child], heap[parent]) else { break }
        heap.swapAt(child, parent)
        child = parent
      }
      if heap.count == depth { threshold = heap[0].score }
      return
    }
    heap[0] = document
    var parent = 0
    while true {
      var worst = parent
      let (left, right) = (2 * parent + 1, 2 * parent + 2)
      if left < heap.count, RankedDocument.ranksAfter(heap[left], heap[worst]) { worst = left }
      if right < heap.count, RankedDocument.ranksAfter(heap[right], heap[worst]) { worst = right }
      guard worst != parent else { break }
      heap.swapAt(parent, worst)
      parent = worst
    }
    threshold = heap[0].score
  }
}
