import FitCore

/// This module's engines: the library reaches each instruction-set level's `FitEngine`
/// through here.
package enum EngineFactory {
  /// A new engine for one fit; see `FitEngine.init`.
  package static func makeEngine<T: FitScalar>(
    relevance: RelevanceLists, dimension: Int, queries: [T], documents: [T], plan: FitPlan<T>
  ) -> any CPUFitEngine<T> {
    FitEngine(relevance: relevance, dimension: dimension, queries: queries, documents: documents, plan: plan)
  }

  /// The bytes one float32 engine allocates for m queries, n documents and dimension d, the
  /// relevance lists not included.
  package static func bytesNeeded(queries m: Int, documents n: Int, dimension d: Int) -> Double {
    FitEngine<Float>.bytesNeeded(queries: m, documents: n, dimension: d)
  }
}
