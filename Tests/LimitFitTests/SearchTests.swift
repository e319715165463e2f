#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation
import TestSupport
import Testing
@testable import LimitFit

@Suite struct CriticalNSearchTests {
  /// Runs a search whose fits solve exactly the (n, seed) pairs `solves` accepts; checks that
  /// no pair is fitted twice.
  func search(
    start: Int, seeds: [UInt64] = [42], sweepRadius: Int = 5, solves: (Int, UInt64) -> Bool
  ) throws -> CriticalNResult {
    var fitted = Set<[UInt64]>()
    let search = try CriticalNSearch(dimension: 6, k: 2, seeds: seeds, start: start, sweepRadius: sweepRadius)
    return try search.run { n, seed in
      #expect(fitted.insert([UInt64(n), seed]).inserted, "n = \(n), seed \(seed) fitted twice")
      return fakeResult(documents: n, seed: seed, solved: solves(n, seed))
    }
  }

  @Test(arguments: [3, 10, 20, 37, 38, 50, 200])
  func findsASharpThresholdFromAnyStart(start: Int) throws {
    let result = try search(start: start) { n, _ in n <= 37 }
    #expect(result.criticalN == 37)
    #expect(result.solvedAbove.isEmpty)
    // The sweep n − 4 … n + 5.
    #expect(Set(33...42).isSubset(of: result.outcomes.map(\.documents)))
  }

  @Test func theSweepsRadiusSetsWhatIsFittedAroundTheAnswerButNotTheAnswer() throws {
    let full = try search(start: 20) { n, _ in n <= 37 }
    let none = try search(start: 20, sweepRadius: 0) { n, _ in n <= 37 }
    let two = try search(start: 20, sweepRadius: 2) { n, _ in n <= 37 }
    #expect(full.criticalN == 37 && none.criticalN == 37 && two.criticalN == 37)
    // Without a sweep only the gallop and the bisection are fitted; with R = 2, 36 … 39 too.
    #expect(Set(none.outcomes.map(\.documents)) == Set(none.searchPath))
    #expect(!Set(none.outcomes.map(\.documents)).isSuperset(of: 33...42))
    #expect(Set(two.outcomes.map(\.documents)) == Set(none.outcomes.map(\.documents)).union(36...39))
    #expect(full.sweepRadius == 5 && two.sweepRadius == 2)
    for radius in [-1, 1001, Int.max, Int.min] {
      #expect(throws: LimitFitError("\(.sweepRadius) (\(radius)) must be between 0 and 1000")) {
        try CriticalNSearch(dimension: 6, k: 2, seeds: [1], start: 5, sweepRadius: radius)
      }
    }
  }

  @Test func timeIsSplitBetweenFitsThatSolveAndFitsThatFail() throws {
    var result = try search(start: 20) { n, _ in n <= 37 }
    for index in result.outcomes.indices {
      for fit in result.outcomes[index].fits.indices {
        result.outcomes[index].fits[fit].wallSeconds = result.outcomes[index].fits[fit].solved ? 1 : 10
      }
    }
    let solving = Double(result.outcomes.filter(\.solved).count)
    let failing = Double(result.outcomes.count) - solving
    #expect(result.fitSeconds.solving == solving && result.fitSeconds.failing == 10 * failing)
  }

  @Test func gallopsUpByPowersOfTwo() throws {
    let result = try search(start: 10) { n, _ in n <= 40 }
    #expect(Array(result.searchPath.prefix(7)) == [10, 11, 12, 14, 18, 26, 42])
  }

  @Test func gallopsDownWhenTheStartFails() throws {
    let result = try search(start: 30) { n, _ in n <= 12 }
    #expect(Array(result.searchPath.prefix(6)) == [30, 29, 28, 26, 22, 14])
    #expect(result.criticalN == 12)
  }

  @Test func nonMonotoneOutcomesNearTheEdge() throws {
    // 37 and 38 fail by bad luck while 39 and 41 succeed: the gallop (… 36, 52) and the
    // bisection (44, 40, 38, 37) settle at 36, and the sweep 32 … 41 finds 39 and 41. The
    // critical-n is the largest n solved, 41, and the search's answer is kept beside it.
    let solvedSet: Set<Int> = Set(3...36).union([39, 41])
    let result = try search(start: 20) { n, _ in solvedSet.contains(n) }
    #expect(result.searchAnswer == 36)
    #expect(result.criticalN == 41)
    #expect(result.solvedAbove == [39, 41])
    // The record and the curve say the same, and so does every seed's own value.
    let summary = CriticalNSummary(result, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
    #expect(summary.criticalN == 41 && summary.searchAnswer == 36 && summary.criticalNBySeed == [41])
    let curve = try Curve(searches: [summary])
    let point = try #require(curve.points.first)
    #expect(point.criticalN == 41 && point.searchAnswer == 36 && point.seedValues == [41])
    #expect(curve.csv.hasSuffix("\n6,41,36,16.3244\n"))
    #expect(curve.summary.contains("\n    6          41      36           16.3\n"))
  }

  @Test func anOlderRecordsAnswerBecomesItsSearchAnswer() throws {
    // Before searchAnswer, criticalN held the search's answer: read again, the largest n its
    // tested and solved record becomes the critical-n.
    let line = #"{"record":"critical-n","dimension":6,"k":2,"seeds":[42],"start":20,"hyperparameters":"#
      + String(decoding: try JSONEncoder().encode(Hyperparameters()), as: UTF8.self)
      + #","criticalN":36,"tested":[35,36,37,38],"solved":[true,true,false,true],"wallSeconds":1,"backend":"cpu","device":"x","toolVersion":"0"}"#
    let path = try writeFile("old.jsonl", line + "\n")
    let summary = try #require(try ResultsStore(path: path, warn: { Issue.record("\($0)") }).searches.first)
    #expect(summary.criticalN == 38 && summary.searchAnswer == 36)
  }

  @Test func anySeedSolvingCounts() throws {
    let result = try search(start: 10, seeds: [1, 2, 3]) { n, seed in n <= 20 || (seed == 3 && n <= 23) }
    #expect(result.criticalN == 23)
    let outcome = try #require(result.outcomes.first { $0.documents == 23 })
    #expect(outcome.fits.map(\.solved) == [false, false, true])
  }

  @Test func nothingSolvedHasNoCriticalN() throws {
    let result = try search(start: 9) { _, _ in false }
    #expect(result.criticalN == nil)
    #expect(result.searchPath.last == 3)
  }

  @Test func refusesAStartAtOrBelowK() {
    #expect(throws: LimitFitError("\(.start) (2) must be more than k (2)")) {
      try CriticalNSearch(dimension: 3, k: 2, seeds: [1], start: 2)
    }
  }

  /// The library words its errors without any front end's options: each setting is a typed
  /// part, which the command line names by its own option (or by the library's words).
  @Test func namesItsSettingsAsTypedPartsNotOptions() throws {
    do {
      _ = try CriticalNSearch(dimension: 10_000, k: 2, seeds: [42])
      Issue.record("the paper's cubic at d = 10000 is more than a fit holds")
    } catch let error as LimitFitError {
      #expect(error.settings == [.start])
      #expect(error.description == "d = 10000: the start defaults to the paper's cubic at d, n = 3.71b, more documents than a fit can hold")
      #expect(error.description(naming: { "--\($0.rawValue)" }).contains(": --start defaults to"))
      #expect(!error.description.contains("--"))
    }
    for (k, sweep, setting) in [(0, 5, LimitFitError.Setting.k), (6, 5, .k), (2, -1, .sweepRadius), (2, 1001, .sweepRadius)] {
      do {
        _ = try SearchSettings(k: k, seeds: [42], sweepRadius: sweep)
        Issue.record("k = \(k), sweep \(sweep) accepted")
      } catch let error as LimitFitError {
        #expect(error.settings == [setting] && error.description.hasPrefix(setting.name + " ("), "\(error)")
      }
    }
    #expect(throws: LimitFitError("the search needs at least one seed")) { try SearchSettings(k: 2, seeds: []) }
  }

  @Test func defaultStartIsThePapersCubic() {
    #expect(CriticalNSearch.defaultStart(dimension: 12, k: 2) == 52)
    #expect(CriticalNSearch.defaultStart(dimension: 2, k: 2) == 3)
    #expect(abs(paperCubic(512) - 512_000) < 5000)
  }
}

@Suite struct BatchTests {
  @Test func theSweepAndTheSeedsComeInBatches() throws {
    var batches: [[CriticalNSearch.FitRequest]] = []
    let search = try CriticalNSearch(dimension: 6, k: 2, seeds: [1, 2], start: 20)
    let result = try search.run(fits: { requests in
      batches.append(requests)
      return requests.map { fakeResult(documents: $0.documents, seed: $0.seed, solved: $0.documents <= 18) }
    })
    #expect(result.criticalN == 18)
    // Gallop and bisection: one n per batch, with both seeds.
    for batch in batches.dropLast() {
      #expect(batch.count == 2 && batch[0].documents == batch[1].documents && batch.map(\.seed) == [1, 2])
    }
    // The sweep 14 … 23: the sizes not fitted yet, in one batch.
    let sweep = try #require(batches.last)
    let fittedBefore = Set(batches.dropLast().map { $0[0].documents })
    #expect(Set(sweep.map(\.documents)) == Set(14...23).subtracting(fittedBefore))
    #expect(sweep.count == 2 * Set(sweep.map(\.documents)).count)
  }

  @Test func fitsRunAtOnceGiveWhatTheyGiveOneByOne() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    defer { try? FileManager.default.removeItem(at: folder) }
    var settings = Hyperparameters()
    settings.patience = 200
    let backend = CPUBackend()
    let fits = try (4...9).map {
      try FreeEmbeddingFit(documents: $0, k: 2, dimension: 3, hyperparameters: settings, checkingCapacityOf: backend)
    }
    #expect(fits.allSatisfy { backend.runsFitsConcurrently(of: $0.size) })
    let stores = try ["together", "alone"].map {
      try ResultsStore(path: folder.appendingPathComponent("\($0).jsonl").path) { Issue.record("warning: \($0)") }
    }
    let labels = fits.map { "n = \($0.size.documents)" }
    let together = try FitRunner(store: stores[0], backend: backend).run(fits, labels: labels, concurrently: true)
    let alone = try FitRunner(store: stores[1], backend: backend).run(fits, labels: labels, concurrently: false)
    #expect(together.map(\.result.outcome) == alone.map(\.result.outcome))
    #expect(together.allSatisfy { !$0.reused })
    #expect(together.map(\.result.documents) == Array(4...9))
    // A second run finds every result in the file.
    let again = try FitRunner(store: stores[0], backend: backend).run(fits, labels: labels)
    #expect(again.allSatisfy { $0.reused })
    #expect(again.map(\.result) == together.map(\.result))
    let reopened = try ResultsStore(path: stores[0].path) { Issue.record("warning: \($0)") }
    #expect(reopened.fits.count == 6)
  }
}

@Suite struct ResultsStoreTests {
  func temporaryFile() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("results/fits.jsonl").path
  }

  @Test func roundTripsFitsAndSearches() throws {
    let path = try temporaryFile()
    let store = try ResultsStore(path: path) { Issue.record("warning: \($0)") }
    let fits = (5...8).map { fakeResult(documents: $0, seed: 42, solved: $0 < 7) }
    for fit in fits { try store.append(.fit(fit)) }
    let result = try CriticalNSearch(dimension: 6, k: 2, seeds: [42], start: 5).run { n, seed in
      fakeResult(documents: n, seed: seed, solved: n < 7)
    }
    let summary = CriticalNSummary(result, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
    try store.append(.criticalN(summary))

    let reopened = try ResultsStore(path: path) { Issue.record("warning: \($0)") }
    #expect(reopened.fits == fits)
    #expect(reopened.searches == [summary])
    #expect(reopened.records.map(\.line) == [1, 2, 3, 4, 5])
    #expect(reopened.fit(for: fits[2].key) == fits[2])
  }

  @Test func skipsATruncatedLastLineAndAppendsAfterIt() throws {
    let path = try temporaryFile()
    let store = try ResultsStore(path: path) { _ in }
    for n in 5...7 { try store.append(.fit(fakeResult(documents: n, seed: 1, solved: true))) }
    // A kill during the write of the fourth record.
    let handle = try #require(FileHandle(forWritingAtPath: path))
    handle.seekToEndOfFile()
    handle.write(Data(#"{"record":"fit","accuracy":1,"backe"#.utf8))
    handle.closeFile()

    var warnings: [String] = []
    let resumed = try ResultsStore(path: path) { warnings.append($0) }
    #expect(warnings == ["\(path):4: skipped a truncated last line"])
    #expect(resumed.fits.map(\.documents) == [5, 6, 7])
    try resumed.append(.fit(fakeResult(documents: 8, seed: 1, solved: false)))

    warnings = []
    let again = try ResultsStore(path: path) { warnings.append($0) }
    #expect(warnings == ["\(path):4: skipped an unreadable line (not JSON)"])
    #expect(again.fits.map(\.documents) == [5, 6, 7, 8])
    #expect(again.records.last?.line == 5)
  }

  @Test func anotherJSONLinesFileIsRefusedUntouched() throws {
    let path = try temporaryFile()
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: limitSmall + "/qrels.jsonl", toPath: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: LimitFitError(
      "results file \(path): not a limitfit results file (its first line is no fit or search record); it is left as it is"
    )) {
      try ResultsStore(path: path) { Issue.record("warning: \($0)") }
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func reusesOnlyFitsWithTheSameParameters() throws {
    let store = try ResultsStore(path: try temporaryFile()) { _ in }
    func run(_ change: (inout Hyperparameters) -> Void = { _ in }) throws -> (result: FitResult, embeddings: Embeddings?) {
      var settings = Hyperparameters()
      change(&settings)
      let fit = try FreeEmbeddingFit(
        documents: 4, k: 2, dimension: 3, hyperparameters: settings, checkingCapacityOf: CPUBackend())
      return try FitRunner(store: store, backend: CPUBackend()).run(fit, label: "fit")
    }
    let first = try run()
    #expect(first.embeddings != nil)
    let second = try run()
    #expect(second.embeddings == nil)
    #expect(second.result == first.result)
    #expect(try run { $0.learningRate = 0.02 }.embeddings != nil)
    #expect(try run { $0.seed = 7 }.embeddings != nil)
    #expect(try run { $0.stopWhenSolved = false }.embeddings != nil)
    #expect(try run { $0.loss = .hinge }.embeddings != nil)
    #expect(try run { $0.loss = .sigmoid }.embeddings != nil)
    #expect(try run { $0.loss = .sigmoid }.embeddings == nil)
    #expect(store.fits.count == 6)
  }

  @Test func aDifferentMatrixOfTheSameSizeIsNotReused() throws {
    let store = try ResultsStore(path: try temporaryFile()) { _ in }
    for pattern in [QrelsPattern.cycle, .random] {
      let fit = try FreeEmbeddingFit(
        qrels: pattern.qrels(queries: 6, documents: 6), dimension: 2, hyperparameters: Hyperparameters(),
        checkingCapacityOf: CPUBackend())
      #expect(try FitRunner(store: store, backend: CPUBackend()).run(fit, label: "fit").embeddings != nil)
    }
  }
}

@Suite struct RecordStampTests {
  @Test func aRecordSaysWhenAndWhere() throws {
    let record = fakeResult(documents: 5, seed: 1, solved: true)
    #expect(record.host == ProcessInfo.processInfo.hostName)
    let time = try #require(record.finishedAt)
    #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(time)")
    // Records written before the fields existed still read, without them.
    var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
    object["finishedAt"] = nil
    object["host"] = nil
    let old = try JSONDecoder().decode(FitResult.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(old.finishedAt == nil && old.host == nil && old.documents == 5)
  }

  @Test func aStampedRecordIsOneFlatObject() throws {
    struct Record: Encodable { var answer = 42 }
    let data = try JSONEncoder().encode(Stamped(Record()))
    let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["answer"] as? Int == 42 && object["toolVersion"] as? String == limitfitVersion)
    #expect(object["host"] as? String == ProcessInfo.processInfo.hostName && object["finishedAt"] is String)
    #expect(Set(object.keys).isSubset(of: ["answer", "toolVersion", "gitCommit", "finishedAt", "host"]))
  }
}

@Suite struct CubicTests {
  @Test func namesItsCoefficientsByPowerInJSON() throws {
    let cubic = Cubic(coefficients: [1, 2, 3, 4])
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(cubic)) as? [String: Double]
    #expect(json == ["c0": 1, "c1": 2, "c2": 3, "c3": 4])
    #expect(try JSONDecoder().decode(Cubic.self, from: JSONEncoder().encode(cubic)) == cubic)
    #expect(cubic(2) == 49)  // 1 + 2·2 + 3·4 + 4·8
  }

  @Test func recoversAnExactCubic() throws {
    let truth = Cubic(coefficients: [-10.5322, 4.0309, 0.0520, 0.0037])
    let points = (2...12).map { (x: Double($0), y: truth(Double($0))) }
    let fit = try Cubic.leastSquares(points)
    for (found, expected) in zip(fit.cubic.coefficients, truth.coefficients) {
      #expect(abs(found - expected) < 1e-9 * max(1, abs(expected)), "\(found) vs \(expected)")
    }
    #expect(abs(fit.rSquared - 1) < 1e-12)
    #expect(try #require(fit.standardErrors).coefficients.allSatisfy { $0 < 1e-9 })
  }

  @Test func staysAccurateAtLargeX() throws {
    let truth = Cubic(coefficients: [3, -2, 0.5, 1e-3])
    let points = stride(from: 64, through: 4096, by: 64).map { (x: Double($0), y: truth(Double($0))) }
    let cubic = try Cubic.leastSquares(points).cubic
    #expect(abs(cubic(8192) - truth(8192)) < 1e-6 * truth(8192))
  }

  @Test func fitsNoisyData() throws {
    var generator = SplitMix64(seed: 3)
    let truth = Cubic(coefficients: [1, 2, 0.3, 0.01])
    let points = (2...40).map { x in
      (x: Double(x), y: truth(Double(x)) + Double.random(in: -1...1, using: &generator))
    }
    let fit = try Cubic.leastSquares(points)
    #expect(fit.rSquared < 1 && fit.rSquared > 0.999)
    #expect(abs(fit.cubic(30) - truth(30)) < 1)
  }

  @Test func standardErrorsAreOrdinaryLeastSquaresOnes() throws {
    // y = x³ at x = 1 … 5 but for +1 at x = 3. The expected values are numpy's: the residuals
    // r of numpy.linalg.lstsq on X = [1, x, x², x³], σ̂² = |r|² / (5 − 4), and the square roots
    // of the diagonal of σ̂² (XᵀX)⁻¹.
    let points: [(x: Double, y: Double)] = [(1, 1), (2, 8), (3, 28), (4, 64), (5, 125)]
    let fit = try Cubic.leastSquares(points)
    let errors = try #require(fit.standardErrors).coefficients
    let expected: [Double] = [3.5278483932451112, 4.611432111878474, 1.7116050469476929, 0.1889822365046814]
    for (found, want) in zip(errors, expected) { #expect(abs(found - want) < 1e-9, "\(found) vs \(want)") }
    #expect(try Cubic.leastSquares(Array(points.prefix(4))).standardErrors == nil)  // no degree of freedom
  }

  @Test func needsFourDistinctDimensions() {
    #expect(throws: LimitFitError("a cubic needs at least 4 distinct dimensions; there are 3")) {
      try Cubic.leastSquares([(2, 3), (3, 4), (4, 9), (4, 9)])
    }
  }
}

@Suite struct CurveTests {
  func summary(dimension: Int, criticalN: Int?) -> CriticalNSummary {
    var result = CriticalNResult(dimension: dimension, k: 2, seeds: [42], start: 3, searchAnswer: criticalN, searchPath: [], outcomes: [])
    result.outcomes = [SizeOutcome(documents: criticalN ?? 3, fits: [fakeResult(documents: criticalN ?? 3, seed: 42, solved: criticalN != nil)])]
    return CriticalNSummary(result, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
  }

  @Test func svgIsXMLWithOnePointPerMeasuredDimension() throws {
    let searches = [(2, 3), (3, 4), (4, 9), (5, 13), (6, 18), (7, nil)].map { summary(dimension: $0.0, criticalN: $0.1) }
    let curve = try Curve(searches: searches)
    let counter = ElementCounter()
    let parser = XMLParser(data: Data(curve.svg().utf8))
    parser.delegate = counter
    #expect(parser.parse(), "curve.svg is not well-formed XML: \(String(describing: parser.parserError))")
    // One circle per measured point, and one in the legend.
    #expect(counter.counts["circle"] == 5 + 1)
    #expect(counter.counts["polyline"] == 2)
    #expect(counter.texts.joined().contains("embedding dimension d"))
    #expect(counter.texts.joined().contains("least-squares cubic (r² = "))
  }

  @Test func aCurveLeavesTheFrameInsteadOfRunningAlongItsEdge() throws {
    // The paper's cubic is −2.2 at d = 2 and crosses 0 near d = 2.5: its line starts there, on
    // the axis, not at d = 2.
    let curve = try Curve(searches: [(2, 3), (3, 4), (4, 9), (5, 13)].map { summary(dimension: $0.0, criticalN: $0.1) })
    let dashed = try #require(curve.svg().split(separator: "\n").first { $0.contains("stroke-dasharray=\"6 4\" points=") })
    let points = try #require(dashed.split(separator: "points=\"").last?.split(separator: "\"").first)
      .split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
    let axis = 460.0 - 60  // the frame's bottom
    let start = try #require(points.first)
    #expect(start[1] == axis)
    let leftEdge: Double = 80  // x at d = 2; d = 2.5 is about 183
    #expect(start[0] > leftEdge + 50, "the line starts at d = 2 (x = \(start[0]))")
    #expect(points.dropFirst().allSatisfy { $0[1] < axis })
  }

  @Test func tableAndCSVListEveryDimension() throws {
    let curve = try Curve(searches: [(2, 3), (3, 4), (4, 9), (5, 13)].map { summary(dimension: $0.0, criticalN: $0.1) })
    #expect(curve.csv.split(separator: "\n").count == 5)
    #expect(curve.csv.hasPrefix("dimension,criticalN,searchAnswer,paperCubic\n2,3,3,"))
    #expect(curve.extrapolations.map(\.dimension) == [512, 768, 1024, 3072, 4096])
    #expect(curve.summary.contains("least-squares cubic"))
    #expect(curve.rSquared.map { abs($0 - 1) < 1e-9 } == true)  // 4 points: exact
  }

  @Test func theCurveAddsWhatIsProvedItself() throws {
    let searches = [(3, 4), (4, 9)].map { summary(dimension: $0.0, criticalN: $0.1) }
    let curve = try Curve(searches: searches, provedIn: [.binary])
    var added = try Curve(searches: searches)
    #expect(added.proved.isEmpty)
    try added.addProvedLimits([.binary], k: 2)
    #expect(curve.proved.map(\.documents) == added.proved.map(\.documents) && curve.proved.count == 2)
  }

  @Test func provedLimitsStandBesideTheMeasuredPoints() throws {
    var curve = try Curve(searches: [(3, 4), (4, 9), (16, 70)].map { summary(dimension: $0.0, criticalN: $0.1) })
    try curve.addProvedLimits([.float16, .binary], k: 2, maximumChecked: 64)
    // Every dimension, one answer per precision: d = 3 the simplex, d = 4 the float16 moment
    // curve (binary: nothing beyond 2), d = 16 Kerdock's binary bases (128, 64 of them checked).
    #expect(curve.proved.count == 6)
    #expect(curve.proved.first { $0.precision == .binary && $0.dimension == 16 }?.documents == 128)
    #expect(curve.proved.first { $0.precision == .float16 && $0.dimension == 3 }?.documents == 4)
    #expect(curve.csv.hasPrefix("dimension,criticalN,searchAnswer,paperCubic,provedFloat16,provedBinary\n3,4,4,"))
    #expect(curve.summary.contains("proved float16") && curve.summary.contains("proved binary"))
    let counter = ElementCounter()
    let parser = XMLParser(data: Data(curve.svg().utf8))
    parser.delegate = counter
    #expect(parser.parse())
    #expect(counter.counts["rect"] == 1 + 6 + 2)  // background, answers, legend
    #expect(counter.counts["polyline"] == 1 + 2)  // the paper's cubic (too few points for ours), two precisions
  }

  /// A search with seeds 1, 2 and 3 that fitted `sizes`, seed i solving every n up to
  /// `solvedUpTo[i]` (`nil`: none).
  func search(dimension: Int, solvedUpTo: [Int?], sizes: ClosedRange<Int> = 5...10) -> CriticalNSummary {
    let seeds: [UInt64] = [1, 2, 3]
    let outcomes = sizes.map { n in
      SizeOutcome(documents: n, fits: zip(seeds, solvedUpTo).map { fakeResult(documents: n, seed: $0, solved: n <= $1 ?? 0) })
    }
    let answer = solvedUpTo.compactMap { $0 }.max()
    let result = CriticalNResult(
      dimension: dimension, k: 2, seeds: seeds, start: 5, searchAnswer: answer, searchPath: [], outcomes: outcomes)
    return CriticalNSummary(result, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
  }

  @Test func seedsAreAggregatedAsPapersReportThem() throws {
    let searches = [
      search(dimension: 2, solvedUpTo: [3, 3, nil], sizes: 3...7),  // the third seed counts as 2
      search(dimension: 3, solvedUpTo: [4, 4, 4], sizes: 3...8),
      search(dimension: 4, solvedUpTo: [9, 8, 6]),
      search(dimension: 5, solvedUpTo: [13, 11, 12], sizes: 9...15),
      search(dimension: 6, solvedUpTo: [18, 16, 16], sizes: 12...20),
    ]
    let curve = try Curve(searches: searches)
    #expect(curve.points.map(\.seedValues) == [[3, 3, 2], [4, 4, 4], [9, 8, 6], [13, 11, 12], [18, 16, 16]])
    #expect(curve.points.map(\.seedMedian) == [3, 4, 8, 12, 16])
    let first = try #require(curve.points.first)
    #expect(abs(try #require(first.seedMean) - 8.0 / 3) < 1e-12)
    #expect(abs(try #require(first.seedStandardDeviation) - (1.0 / 3).squareRoot()) < 1e-12)
    // The cubic goes through the aggregate asked for: by default the critical-n, the largest.
    let byMaximum = try Cubic.leastSquares([(2, 3), (3, 4), (4, 9), (5, 13), (6, 18)])
    #expect(curve.aggregate == .max && curve.cubic == byMaximum.cubic && curve.cubicStandardErrors == byMaximum.standardErrors)
    let median = try Curve(searches: searches, aggregate: .median)
    #expect(median.cubic == (try Cubic.leastSquares([(2, 3), (3, 4), (4, 8), (5, 12), (6, 16)])).cubic)
    #expect(median.summary.contains("least-squares cubic through the seeds' median: critical-n ≈ "))
    #expect(curve.summary.contains("standard errors: c0 ± "))
    // The table and the CSV: each seed's value, mean ± sd and median.
    let table = curve.summary.split(separator: "\n").map(String.init)
    #expect(table[0] == "    d  critical-n   seed 1   seed 2   seed 3     mean ± sd  median  paper's cubic")
    #expect(table[1] == "    2           3        3        3        2     2.7 ± 0.6     3.0           -2.2")
    let csv = curve.csv.split(separator: "\n").map(String.init)
    #expect(csv[0] == "dimension,criticalN,searchAnswer,criticalNSeed1,criticalNSeed2,criticalNSeed3,seedMean,seedStandardDeviation,seedMedian,paperCubic")
    #expect(csv[1] == "2,3,3,3,3,2,2.6667,0.5774,3.0000,-2.2328")
    // The failed seed's bar reaches down to 2.
    #expect(curve.svg().contains("<title>d = 2: the seeds' own critical-n span 2 … 3</title>"))
  }

  @Test func severalSeedsGiveTheirSpreadAsErrorBars() throws {
    // Seeds 1 and 2 of three: seed 1 solves up to n = 9, seed 2 up to 8, seed 3 up to 6.
    let searches = [search(dimension: 4, solvedUpTo: [9, 8, 6]), search(dimension: 5, solvedUpTo: [10, 10, 10])]
    #expect(searches[0].criticalNBySeed == [9, 8, 6])
    #expect(searches[0].criticalN == 9)
    let curve = try Curve(searches: searches)
    #expect(curve.points[0].criticalNBySeed == [9, 8, 6])
    let svg = curve.svg()
    // One bar, with its two caps, at d = 4; none at d = 5, where the seeds agree.
    #expect(svg.contains("<title>d = 4: the seeds' own critical-n span 6 … 9</title>"))
    #expect(!svg.contains("d = 5: the seeds"))
    #expect(svg.contains("3 seeds: any solves; bars span single seeds"))
    let json = String(decoding: try curve.json(), as: UTF8.self)
    #expect(json.contains("\"criticalNBySeed\" : [\n        9,\n        8,\n        6\n      ]"))
  }

  @Test func aLogarithmicAxisHasPowersOfTenAndKeepsEveryPointInTheFrame() throws {
    let curve = try Curve(searches: [(2, 3), (3, 4), (4, 9), (8, 29), (12, 50)].map { summary(dimension: $0.0, criticalN: $0.1) })
    let svg = curve.svg(logarithmicY: true)
    let counter = ElementCounter()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = counter
    #expect(parser.parse())
    #expect(counter.texts.joined().contains("critical-n (documents, log scale)"))
    for label in ["1", "10", "100"] { #expect(counter.texts.contains(label)) }
    #expect(!counter.texts.contains("1000"))
    // Every measured point lies inside the frame (y from 40 to 400), higher n higher up.
    let heights = svg.split(separator: "\n").filter { $0.hasPrefix("<circle cx=") && $0.contains("critical-n = ") }
      .compactMap { line in line.split(separator: "cy=\"").last?.split(separator: "\"").first.flatMap { Double($0) } }
    #expect(heights.count == 5)
    #expect(heights.allSatisfy { (40...400).contains($0) })
    #expect(heights == heights.sorted(by: >))
    // On the log scale 3 → 4 is a larger step than 29 → 50 relative to their values: log10(4/3) > log10(50/29)/2.
    #expect(heights[0] - heights[1] > (heights[3] - heights[4]) / 2)
  }

  @Test func largeCountsHaveOneFormat() {
    let cases: [(Double?, String)] = [
      (nil, "-"), (-1, "negative"), (9_999, "9999"), (500_000, "500k"), (999_999, "1m"), (1_700_000, "1.7m"),
      (1.62e9, "1.62b"), (3e12, "3t"), (2.5e16, "2.5e+16"),
    ]
    for (value, text) in cases { #expect(Curve.abbreviated(value) == text, "\(String(describing: value))") }
  }

  @Test func fewerThanFourPointsHaveNoCubic() throws {
    let curve = try Curve(searches: [(2, 3), (3, 4)].map { summary(dimension: $0.0, criticalN: $0.1) })
    #expect(curve.cubic == nil)
    #expect(curve.summary.contains("no cubic"))
  }
}

final class ElementCounter: NSObject, XMLParserDelegate {
  var counts: [String: Int] = [:]
  var texts: [String] = []
  func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
    counts[name, default: 0] += 1
  }
  func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
}

@Suite struct ExponentialSearchTests {
  /// The boundary of "n ≤ edge" from `known` through `probes`, and the points asked, in order.
  func boundary(edge: Int, from known: Int, through probes: [Int]) -> (result: (Int, Int?), asked: [Int]) {
    var asked: [Int] = []
    let result = ExponentialSearch.boundary(from: known, through: probes) { n in
      asked.append(n)
      return n <= edge
    }
    return ((result.holding, result.failing), asked)
  }

  @Test func gallopsUpThenBisects() {
    let (result, asked) = boundary(edge: 13, from: 8, through: [9, 10, 12, 16, 24])
    #expect(result == (13, 14))
    #expect(asked == [9, 10, 12, 16, 14, 13])
  }

  @Test func bisectsDownwardsWhenTheProbesGoDown() {
    // "n > 5" holds above the edge; probing down from 20 finds it between 12 and 4.
    var asked: [Int] = []
    let result = ExponentialSearch.boundary(from: 20, through: [19, 18, 16, 12, 4]) { n in
      asked.append(n)
      return n > 5
    }
    #expect(result.holding == 6 && result.failing == 5)
    #expect(asked == [19, 18, 16, 12, 4, 8, 6, 5])
  }

  @Test func holdingEverywhereHasNoFailure() {
    let (result, asked) = boundary(edge: 100, from: 0, through: [1, 2, 4])
    #expect(result == (4, nil) && asked == [1, 2, 4])
    #expect(boundary(edge: 100, from: 0, through: []).result == (0, nil))
  }

  @Test func doublingsEndAtTheLast() {
    #expect(Array(ExponentialSearch.doublings(from: 1, to: 20)) == [1, 2, 4, 8, 16, 20])
    #expect(Array(ExponentialSearch.doublings(from: 4, to: 4)) == [4])
    #expect(Array(ExponentialSearch.doublings(from: 1, to: Int.max)).last == Int.max)
    #expect(Array(ExponentialSearch.doublings(from: 1, to: Int.max)).count == 64)
  }
}

@Suite struct FitRunnerTests {
  func store() throws -> ResultsStore {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    return try ResultsStore(path: folder.appendingPathComponent("fits.jsonl").path) { Issue.record("warning: \($0)") }
  }

  @Test func reportsEveryFitAndReusesTheStore() throws {
    let events = EventLog()
    let store = try store()
    let runner = FitRunner(store: store, backend: CPUBackend(), reportsProgress: true) { events.append($0) }
    let first = try runner.criticalN(dimension: 2, settings: .paper)
    #expect(first.result.criticalN == 3 && first.reused == 0)
    let finished = events.finished
    #expect(finished.count == first.result.outcomes.count && finished.allSatisfy { !$0.reused })
    #expect(finished.contains { $0.label == "d = 2, n = 3, seed 42" && $0.solved })
    // The same search again: every fit from the store, the same answer, a second summary.
    let again = try FitRunner(store: store, backend: CPUBackend()).criticalN(dimension: 2, settings: .paper)
    #expect(again.result == first.result && again.reused == finished.count)
    #expect(store.searches.count == 2)
    // Stored fits are taken before any fit is built: a backend that refuses every fit is never
    // asked.
    let stored = try FitRunner(store: store, backend: RefusingBackend()).criticalN(dimension: 2, settings: .paper)
    #expect(stored.result == first.result && stored.reused == finished.count)
  }

  @Test func minimumDimensionKeepsTheSolvingEmbeddingsAndRefitsStoredOnes() throws {
    let qrels = try QrelsPattern.cycle.qrels(queries: 5)
    let store = try store()
    let search = try FitRunner(store: store, backend: CPUBackend()).minimumDimension(
      of: qrels, maximumDimension: 8, seeds: [42], hyperparameters: Hyperparameters())
    let minimum = try #require(search.minimumDimension)
    let kept = try FitRunner(store: store, backend: CPUBackend()).certificate(of: search)
    // From the store this time: the certificate is fitted again, to the same embeddings.
    let stored = try FitRunner(store: store, backend: CPUBackend()).minimumDimension(
      of: qrels, maximumDimension: 8, seeds: [42], hyperparameters: Hyperparameters())
    #expect(stored.minimumDimension == minimum && stored.solvedNow.isEmpty)
    let refitted = try FitRunner(store: store, backend: CPUBackend()).certificate(of: stored)
    #expect(refitted.embeddings == kept.embeddings && refitted.result.solved)
  }
}

/// A backend that refuses every fit before it is built.
struct RefusingBackend: FitBackend {
  var name: String { "refusing" }
  var device: String { "nothing" }
  func checkCapacity(for size: ProblemSize, loss: Loss) throws { throw LimitFitError("refused: \(size)") }
  func bytesNeeded(for size: ProblemSize) -> Double { 0 }
  func runsFitsConcurrently(of size: ProblemSize) -> Bool { false }
  func plan(for size: ProblemSize, loss: Loss) -> BackendPlan { BackendPlan(step: "none", bytes: 0) }
  func makeSession(qrels: Qrels, start: Embeddings, hyperparameters: Hyperparameters) throws -> any FitSession {
    throw LimitFitError("refused")
  }
}

/// Events as a runner reports them, from any thread.
final class EventLog: @unchecked Sendable {
  private var events: [FitRunner.Event] = []
  private let lock = NSLock()

  func append(_ event: FitRunner.Event) { lock.withLock { events.append(event) } }

  var finished: [(label: String, solved: Bool, reused: Bool)] {
    lock.withLock {
      events.compactMap {
        if case .finished(let label, let result, let reused) = $0 { (label, result.solved, reused) } else { nil }
      }
    }
  }
}

@Suite struct SearchMergeTests {
  func store(_ records: [StoredRecord]) throws -> ResultsStore {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString + ".jsonl").path
    let store = try ResultsStore(path: path) { _ in }
    for record in records { try store.append(record) }
    return try ResultsStore(path: path) { _ in }
  }

  func summary(dimension: Int, criticalN: Int, seed: UInt64 = 42) throws -> CriticalNSummary {
    let result = try CriticalNSearch(dimension: dimension, k: 2, seeds: [seed], start: criticalN).run { n, seed in
      fakeResult(documents: n, seed: seed, solved: n <= criticalN, dimension: dimension)
    }
    return CriticalNSummary(result, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
  }


  @Test func takesTheLargestAnswerAndListsTheConflicts() throws {
    let first = try store([.criticalN(try summary(dimension: 4, criticalN: 9)), .criticalN(try summary(dimension: 5, criticalN: 13))])
    let second = try store([
      .criticalN(try summary(dimension: 4, criticalN: 10)),
      .fit(fakeResult(documents: 10, seed: 42, solved: false, dimension: 4)),
    ])
    let third = try store([.fit(fakeResult(documents: 10, seed: 42, solved: true, dimension: 4))])
    let merge = try SearchMerge([first, second, third], matching: .paper)
    #expect(merge.searches.map(\.dimension) == [4, 5])
    #expect(merge.searches.map(\.criticalN) == [10, 13])
    #expect(merge.conflicts.count == 2)
    #expect(merge.conflicts[0].hasPrefix("conflict: n = 10, d = 4, k = 2, seed 42: not solved in \(second.path):2, solved in \(third.path):1"))
    #expect(merge.conflicts[1] == "conflict: d = 4: critical-n 9 (\(first.path):1), 10 (\(second.path):1); using the largest, 10")
  }

  @Test func searchesWithOtherSettingsDoNotMatch() throws {
    let other = try store([.criticalN(try summary(dimension: 4, criticalN: 9, seed: 7))])
    #expect(throws: LimitFitError.self) { try SearchMerge([other], matching: .paper) }
  }
}

@Suite struct ResultsExportTests {
  /// The fields of a CSV line, quoted ones unquoted (no quotes inside them here).
  func fields(_ line: String) -> [String] {
    var fields = [""]
    var quoted = false
    for character in line {
      switch (character, quoted) {
      case ("\"", _): quoted.toggle()
      case (",", false): fields.append("")
      default: fields[fields.count - 1].append(character)
      }
    }
    return fields
  }

  @Test func oneFlatTablePerRecordKindWithTheSeedAColumn() throws {
    var fit = fakeResult(documents: 5, seed: 43, solved: true)
    fit.device = "CPU (avx2), 2 threads"  // a comma: quoted
    let search = try CriticalNSearch(dimension: 4, k: 2, seeds: [42, 43], start: 5, sweepRadius: 1).run { n, seed in
      fakeResult(documents: n, seed: seed, solved: n <= 6, dimension: 4)
    }
    let summary = CriticalNSummary(search, hyperparameters: Hyperparameters(), wallSeconds: 1, backend: CPUBackend())
    let tables = try ResultsExport.tables([.criticalN(summary), .fit(fit)])
    #expect(tables.map(\.kind) == ["fit", "critical-n"])
    let fits = tables[0].csv.split(separator: "\n").map(String.init)
    let header = fields(fits[0])
    #expect(fits.count == 2 && header.first == "record")
    #expect(header.contains("hyperparameters.seed") && header.contains("hyperparameters.learningRate"))
    let values = Dictionary(uniqueKeysWithValues: zip(header, fields(fits[1])))
    #expect(values["record"] == "fit" && values["hyperparameters.seed"] == "43" && values["documents"] == "5")
    #expect(values["hyperparameters.learningRate"] == "0.01" && values["solved"] == "true")
    #expect(fits[1].contains(",\"CPU (avx2), 2 threads\",") && values["device"] == "CPU (avx2), 2 threads")
    let searches = tables[1].csv.split(separator: "\n").map(String.init)
    let row = Dictionary(uniqueKeysWithValues: zip(fields(searches[0]), fields(searches[1])))
    #expect(row["seeds"] == "42;43" && row["criticalN"] == "6" && row["tested"] == summary.tested.map(String.init).joined(separator: ";"))
  }

  @Test func seedsAboveTwoToTheFiftyThirdAreExportedExactly() throws {
    let seeds: [UInt64] = [.max, .max - 1, 9_007_199_254_740_993]
    let tables = try ResultsExport.tables(seeds.map { .fit(fakeResult(documents: 5, seed: $0, solved: true)) })
    let lines = tables[0].csv.split(separator: "\n").map(String.init)
    let column = try #require(fields(lines[0]).firstIndex(of: "hyperparameters.seed"))
    #expect(lines.dropFirst().map { fields($0)[column] } == seeds.map(String.init))
  }
}

@Suite struct MinimumDimensionAnswerTests {
  let cycle = try! QrelsPattern.cycle.qrels(queries: 5)

  func runner() throws -> FitRunner {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString + ".jsonl").path
    return FitRunner(store: try ResultsStore(path: path) { Issue.record("warning: \($0)") }, backend: CPUBackend())
  }

  @Test func theBoundsAloneMeetOnTheCircle() throws {
    let answer = try MinimumDimensionAnswer(of: cycle, method: .bounds, maximumDimension: 8, precision: .float32)
    #expect(answer.lower == 2 && answer.upper == 2 && answer.storedUpper == 2 && answer.realUpper == nil)
    #expect(answer.optimiserAlone == nil && answer.optimiserOutcomes.isEmpty)
    let record = answer.record
    #expect(record.method == "bounds" && record.lowerBound == 2 && record.upperBound == 2)
    #expect(record.constructions.map(\.dimension) == [2] && record.constructions[0].solvedAsStored)
    #expect(record.optimiserAlone == nil && record.queries == 5 && record.documents == 5)
  }

  @Test func theOptimiserAloneIsVerifiedBeforeItBoundsTheRank() throws {
    var answer = try MinimumDimensionAnswer(of: cycle, method: .optimiser, maximumDimension: 8, precision: .float32)
    #expect(answer.bounds == nil && answer.lower == 1 && answer.upper == nil)
    try answer.runOptimiser(on: try runner(), seeds: [42], hyperparameters: Hyperparameters())
    #expect(answer.optimiserAlone?.minimumDimension == 2 && answer.optimiserUpper == 2 && answer.unverified == nil)
    #expect(answer.upper == 2 && answer.storedUpper == 2 && answer.optimiserInside == nil)
    #expect(answer.optimiserOutcomes.map(\.dimension) == [1, 2])
    #expect(answer.record.optimiserAlone == 2 && answer.record.constructions.isEmpty)
  }

  @Test func allSearchesInsideTheBoundsOnlyWhereTheyLeaveRoom() throws {
    var answer = try MinimumDimensionAnswer(of: cycle, method: .all, maximumDimension: 8, precision: .float32)
    try answer.runOptimiser(on: try runner(), seeds: [42], hyperparameters: Hyperparameters())
    // The circle meets the lower bound: nothing is left to search inside.
    #expect(answer.optimiserInside == nil && answer.optimiserAlone?.minimumDimension == 2)
    #expect(answer.upper == 2 && answer.storedUpper == 2)
  }
}
