/// What one evaluation of the embeddings found.
public struct StepEvaluation: Equatable, Sendable {
  /// The loss L of the fit's `Loss` (InfoNCE: the mean over relevant pairs of −log softmax).
  public var loss: Double
  /// Queries whose worst relevant score is strictly above their best irrelevant one.
  public var solvedQueries: Int
  /// Relevant documents among their query's top |R_i| (ties broken by lower document id).
  public var relevantFound: Int
  /// The number of queries m.
  public var queries: Int
  /// The number of relevant pairs P.
  public var relevantPairs: Int

  /// Whether every query is solved: the embeddings represent the relevance matrix exactly.
  public var isSolved: Bool { solvedQueries == queries }
  /// The paper's top-k accuracy: the fraction of relevant documents found in the top |R_i|.
  public var accuracy: Double { Double(relevantFound) / Double(relevantPairs) }

  /// An evaluation with these counts.
  package init(loss: Double, solvedQueries: Int, relevantFound: Int, queries: Int, relevantPairs: Int) {
    self.loss = loss
    self.solvedQueries = solvedQueries
    self.relevantFound = relevantFound
    self.queries = queries
    self.relevantPairs = relevantPairs
  }
}
