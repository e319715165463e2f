/// The training objective of a fit, on the scores S = Q Dᵀ / τ.
public enum Loss: String, Codable, CaseIterable, Sendable {
  /// The paper's: softmax cross-entropy of each relevant document against all documents,
  /// averaged over the P relevant pairs.
  case infonce
  /// Binary cross-entropy of σ(S_ij + b) against A_ij for every query and document, with one
  /// learned bias b, averaged over the m·n pairs.
  case sigmoid
  /// max(0, γ − (S_ir − S_il)) for every relevant r and irrelevant l of each query, averaged
  /// over those pairs; γ is `margin`.
  case hinge

  /// The loss's code in the kernels (`loss_kind`), passed to them as LOSS_<NAME> definitions.
  package var kernelCode: Int {
    switch self {
    case .infonce: 0
    case .sigmoid: 1
    case .hinge: 2
    }
  }
}
