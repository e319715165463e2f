import Foundation
import TestSupport
import Testing
@testable import LimitFit

/// A matrix with one query per relevant set, over `documents` documents.
func matrix(_ sets: [[Int]], documents: Int) throws -> Qrels {
  try Qrels(relevant: sets, documentCount: documents)
}

func pairs(_ edges: [(Int, Int)], documents: Int) throws -> Qrels {
  try matrix(edges.map { [$0.0, $0.1] }, documents: documents)
}

func completeGraph(_ n: Int) -> [(Int, Int)] {
  (0..<n).flatMap { a in ((a + 1)..<n).map { (a, $0) } }
}

/// The bounds, after checking that the construction, if any, solves the matrix in double
/// precision and as stored in float32, and that its stored vectors are finite.
func checkedBounds(_ qrels: Qrels) throws -> DimensionBounds {
  let bounds = try DimensionBounds(of: qrels)
  if let upper = bounds.upper {
    let stored = Verification(
      checking: upper.embeddings, against: qrels,
      queryRows: Array(0..<qrels.queryCount), documentRows: Array(0..<qrels.documentCount))
    #expect(stored.solved && stored.queries == qrels.queryCount, "\(upper.construction.summary)")
    let values = upper.embeddings.queries + upper.embeddings.documents
    #expect(values.allSatisfy { $0.isFinite })
    #expect(upper.construction.dimension >= bounds.lower)
  }
  return bounds
}

extension DimensionBounds {
  var construction: Construction? { upper?.construction }
}

@Suite struct DimensionBoundsTests {
  @Test func aPathLiesOnTheCircle() throws {
    let bounds = try checkedBounds(pairs([(0, 1), (1, 2), (2, 3), (3, 4)], documents: 5))
    #expect(bounds.lower == 2 && bounds.isExact && bounds.construction?.kind == .circle)
    #expect(bounds.lowerReason?.hasPrefix("d = 1 is impossible") == true)
  }

  @Test func aCycleThroughEveryDocumentIsTheCircle() throws {
    let bounds = try checkedBounds(pairs([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)], documents: 5))
    #expect(bounds.lower == 2 && bounds.isExact && bounds.construction?.kind == .circle)
  }

  @Test func aCycleThatLeavesADocumentOutNeedsThreeDimensions() throws {
    let bounds = try checkedBounds(pairs([(0, 1), (1, 2), (2, 3), (3, 0)], documents: 5))
    // Two documents in no common pair as the poles of a bipyramid: d = 3 holds.
    #expect(bounds.lower == 3 && bounds.isExact && bounds.construction?.kind == .bipyramid)
    #expect(bounds.lowerReason == "d = 2 is impossible: the relevant pairs close a cycle (0–1–2–3–0) that leaves out a document, but on a circle the only such cycle is the whole circle")
  }

  @Test func k4IsTheTetrahedron() throws {
    let bounds = try checkedBounds(pairs(completeGraph(4), documents: 4))
    #expect(bounds.lower == 3 && bounds.isExact && bounds.construction?.kind == .simplex)
    #expect(bounds.lowerReason?.hasPrefix("d = 2 is impossible: 0 is in 3 relevant pairs") == true)
  }

  @Test func k5HasTooManyEdgesForSpace() throws {
    let bounds = try checkedBounds(pairs(completeGraph(5), documents: 5))
    #expect(bounds.lower == 4 && bounds.isExact)
    let reason = try #require(bounds.lowerReason)
    #expect(reason == "d = 3 is impossible: its convex hulls have planar graphs, and the relevance graph has 10 edges on 5 documents, more than 3n − 6 = 9, the most a planar graph has")
    // Less one edge, it is planar; joined through a path of other documents, not.
    let spread = [(0, 5), (5, 6), (6, 1)] + completeGraph(5).filter { $0 != (0, 1) }
    let subdivided = try checkedBounds(pairs(spread, documents: 7))
    #expect(subdivided.lower == 4)
    #expect(subdivided.lowerReason?.contains("is not planar: a K5 subdivision: branch vertices {0, 1, 2, 3, 4}; paths 0–5–6–1, 0–2") == true)
  }

  @Test func k33IsNotPlanarThoughItsEdgesAreFew() throws {
    let edges = [0, 1, 2].flatMap { a in [3, 4, 5].map { (a, $0) } }
    let bounds = try checkedBounds(pairs(edges, documents: 6))
    #expect(bounds.lower == 4 && bounds.isExact && bounds.construction?.dimension == 4)
    #expect(bounds.lowerReason?.hasPrefix("d = 3 is impossible: its convex hulls have planar graphs, and the relevance graph is not planar: a K3,3 subdivision: branch vertices {0, 1, 2} and {3, 4, 5}") == true)
  }

  @Test func aPlanarTriangulationLeavesAnInterval() throws {
    // The octahedron: 6 vertices, 12 = 3n − 6 edges, every vertex of degree 4.
    let edges = completeGraph(6).filter { edge in ![(0, 1), (2, 3), (4, 5)].contains { $0 == edge } }
    let bounds = try checkedBounds(pairs(edges, documents: 6))
    #expect(bounds.lower == 3 && bounds.construction?.dimension == 4 && !bounds.isExact)
  }

  @Test func relevantSetsOfThreeOnTheMomentCurveOrASimplex() throws {
    let triples = (0..<8).flatMap { a in ((a + 1)..<8).flatMap { b in ((b + 1)..<8).map { [a, b, $0] } } }
    let eight = try checkedBounds(matrix(triples, documents: 8))
    #expect(eight.lower == 2 && eight.construction?.dimension == 6)
    // Six documents: two poles and a tetrahedron in d = 4, whose one Radon partition (2–4)
    // leaves every 3–3 split separable — below the simplex's 5 and the optimiser's 5.
    let six = try checkedBounds(matrix(triples.filter { $0.allSatisfy { $0 < 6 } }, documents: 6))
    #expect(six.construction?.kind == .bipyramid && six.construction?.dimension == 4)
  }

  @Test func oneOrTwoSetsLieOnTheLine() throws {
    #expect(try checkedBounds(pairs([(1, 3)], documents: 5)).isExact)
    let halves = try checkedBounds(pairs([(0, 2), (1, 3)], documents: 4))
    #expect(halves.lower == 1 && halves.construction?.kind == .line)
    let leftOver = try checkedBounds(pairs([(0, 2), (1, 3)], documents: 5))
    #expect(leftOver.lower == 2 && leftOver.isExact)
    #expect(leftOver.lowerReason == "d = 1 is impossible: its two top sets are the documents at +1 and those at −1, but 1 document is in neither relevant set")
  }

  @Test func limitNeedsExactlyFourDimensionsWithOrWithoutItsNegatives() throws {
    let limit = try loadLimitSmall()
    for qrels in [limit.qrels, try limit.addingNegatives(49_954).qrels] {
      let bounds = try checkedBounds(qrels)
      #expect(bounds.lower == 4 && bounds.isExact && bounds.construction?.kind == .momentCurve)
      #expect(bounds.lowerReason?.contains("1000 edges on 46 documents, more than 3n − 6 = 132") == true)
    }
  }

  /// The loose cases, tight now: every pair of five plus a triple (the pairs' graph
  /// still bounds d); every pair of six plus a query relevant to all six (it does not count
  /// towards the moment curve's k); a path plus a query relevant to all (the circle).
  @Test func setsLargerThanPairsLeaveThePairGraphsBound() throws {
    let withTriple = try checkedBounds(matrix(completeGraph(5).map { [$0.0, $0.1] } + [[0, 1, 2]], documents: 5))
    #expect(withTriple.lower == 4 && withTriple.isExact)
    let withAll = try checkedBounds(matrix(completeGraph(6).map { [$0.0, $0.1] } + [Array(0..<6)], documents: 6))
    #expect(withAll.lower == 4 && withAll.isExact)
    let pathAndAll = try checkedBounds(matrix((0..<5).map { [$0, $0 + 1] } + [Array(0..<6)], documents: 6))
    #expect(pathAndAll.lower == 2 && pathAndAll.isExact && pathAndAll.construction?.kind == .circle)
  }

  @Test func aQueryRelevantToEveryDocumentHoldsInAnyDimension() throws {
    // {0, 1, 2} and {0}: 0 at +1, the rest at −1 — d = 1, though 0 is in both sets.
    let bounds = try checkedBounds(matrix([[0, 1, 2], [0]], documents: 3))
    #expect(bounds.lower == 1 && bounds.isExact)
    let pairAndHalves = try checkedBounds(matrix([[0, 1], [0], [1]], documents: 2))
    #expect(pairAndHalves.lower == 1 && pairAndHalves.isExact)
  }

  @Test func aConstructionThatRoundingBreaksGivesWayToALargerOne() throws {
    // LIMIT-small's moment curve does not survive float16; a code in d = 16 (its ±1/4 entries
    // exact in float16) does.
    let qrels = try loadLimitSmall().qrels
    let bounds = try DimensionBounds(of: qrels, precision: .float16)
    #expect(bounds.rejected.map(\.construction.kind) == [.momentCurve])
    #expect(bounds.rejected.first?.exact.solved == true && bounds.rejected.first?.stored.solved == false)
    #expect(bounds.upper?.construction.kind == .code && bounds.upper?.construction.dimension == 16)
  }

  @Test func negativesShareOnePoint() throws {
    let qrels = try pairs([(0, 1), (1, 2)], documents: 1000)
    let construction = try #require(try checkedBounds(qrels).construction)
    #expect(construction.pointCount == 4)
    let embeddings = construction.embeddings(roundedTo: .float32)
    #expect(embeddings.documents[(3 * 2)..<(4 * 2)] == embeddings.documents[(999 * 2)..<(1000 * 2)])
  }
}

@Suite struct ConstructionTests {
  @Test func simplexVerticesAreUnitAndEquallyApart() {
    for p in [2, 3, 7] {
      let d = p - 1
      let vertices = Construction.simplexVertices(p)
      for i in 0..<p {
        for j in 0..<p {
          let dot = (0..<d).reduce(0.0) { $0 + vertices[i * d + $1] * vertices[j * d + $1] }
          #expect(abs(dot - (i == j ? 1 : -1 / Double(d))) < 1e-12)
        }
      }
    }
  }

  @Test func theFaceFunctionalPeaksExactlyAtItsAngles() {
    let k = 3
    let angles = [0.4, 2.0, 5.1]
    let q = Construction.faceFunctional(angles: angles, k: k)
    func score(_ angle: Double) -> Double {
      zip(q, Construction.momentCurvePoint(angle, k: k)).reduce(0) { $0 + $1.0 * $1.1 }
    }
    let peak = score(angles[0])
    for angle in angles { #expect(abs(score(angle) - peak) < 1e-12) }
    for step in 0..<628 where !angles.contains(where: { abs($0 - Double(step) / 100) < 0.01 }) {
      #expect(score(Double(step) / 100) < peak)
    }
  }

  @Test func theMaximizerFindsTheBisectorOfNeighboursOnACircle() {
    let p = 12
    let angles = (0..<p).map { 2 * Double.pi * Double($0) / Double(p) }
    let points = angles.flatMap { [cos($0), sin($0)] }
    var maximizer = MarginMaximizer(points: points, dimension: 2)
    // A poor but separating start: towards point 0.
    let q = maximizer.bestQuery(relevant: [0, 1], start: [1, 0.1])
    let bisector = Double.pi / Double(p)
    #expect(abs(q[0] - cos(bisector)) < 1e-9 && abs(q[1] - sin(bisector)) < 1e-9)
  }

  @Test func optimisedQueriesWidenTheMomentCurvesMargins() throws {
    let n = 30
    let qrels = try pairs(completeGraph(n), documents: n)
    let construction = try #require(Array(Construction.candidates(for: qrels)).first).get()
    let angles = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
    let points = angles.map { Construction.momentCurvePoint($0, k: 2) }
    func margin(_ q: [Double], _ a: Int, _ b: Int) -> Double {
      let scores = points.map { zip(q, $0).reduce(0) { $0 + $1.0 * $1.1 } }
      return min(scores[a], scores[b]) - scores.indices.filter { $0 != a && $0 != b }.map { scores[$0] }.max()!
    }
    var (started, optimised) = (0.0, 0.0)
    for (query, (a, b)) in completeGraph(n).enumerated() {
      // The start alone: the face functional of the pair.
      let start = margin(MarginMaximizer.unit(Construction.faceFunctional(angles: [angles[a], angles[b]], k: 2)), a, b)
      let best = margin(Array(construction.queries[(4 * query)..<(4 * query + 4)]), a, b)
      #expect(best >= start * (1 - 1e-9), "pair \(a), \(b)")
      (started, optimised) = (started + start, optimised + best)
    }
    #expect(optimised > 1.5 * started, "\(optimised) vs \(started)")
  }
}
