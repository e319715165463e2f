/// A training objective on the scores S = Q Dᵀ / τ, described once for every backend: its
/// name, what it is averaged over, which hyperparameters it takes and their valid range, and
/// how the kernels select it.
///
/// Each backend executes the description its own way: the CPU engine through its `RowLoss`
/// with the same name, the OpenCL kernels through the program built with `kernelDefinition`.
/// Adding a loss is a description here (listed in `allCases`), a `RowLoss` for the CPU engine
/// and its code under its definition in Kernels/losses.cl; no other code chooses by loss.
/// (The OpenCL backend's fused step computes InfoNCE alone, and says so: `fusedLoss`.)
public struct Loss: RawRepresentable, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
  /// The name files and the command line use.
  public let rawValue: String
  /// What the loss is averaged over ("terms"), given the number of documents and the relevance
  /// lists' row starts (query i's relevant documents are entries offsets[i] ..< offsets[i + 1]).
  package let terms: @Sendable (_ documents: Int, _ offsets: [Int]) -> Int
  /// Whether the loss learns a bias b added to every score (its gradient is Σ ∂L/∂S).
  public let learnsBias: Bool
  /// For a loss that takes the margin γ, the largest margin it can meet at temperature τ
  /// (scores of unit vectors differ by at most 2/τ); `nil` for a loss without a margin.
  public let largestMargin: (@Sendable (_ temperature: Double) -> Double)?
  /// The definition the kernels are built with for a fit of this loss (`-D` of it), so that the
  /// program holds only this loss's code.
  package let kernelDefinition: String
  /// The most relevant documents per query its kernel keeps in local memory, if it has a limit.
  package let kernelRelevantLimit: Int?

  /// The loss named `rawValue`, if there is one.
  public init?(rawValue: String) {
    guard let loss = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
    self = loss
  }

  private init(
    _ name: String, terms: @escaping @Sendable (Int, [Int]) -> Int, learnsBias: Bool = false,
    largestMargin: (@Sendable (Double) -> Double)? = nil, kernelRelevantLimit: Int? = nil
  ) {
    precondition(name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }, "a loss's name makes a C identifier")
    rawValue = name
    self.terms = terms
    self.learnsBias = learnsBias
    self.largestMargin = largestMargin
    kernelDefinition = "LOSS_" + name.uppercased()
    self.kernelRelevantLimit = kernelRelevantLimit
  }

  /// Every loss, in the order the command line lists them.
  public static let allCases: [Loss] = [.infonce, .sigmoid, .hinge]

  /// The paper's: softmax cross-entropy of each relevant document against all documents,
  /// averaged over the P relevant pairs. G_ij = (|R_i| · softmax_ij − A_ij) / P.
  public static let infonce = Loss("infonce", terms: { _, offsets in offsets.last ?? 0 })

  /// Binary cross-entropy of σ(S_ij + b) against A_ij for every query and document, with one
  /// learned bias b, averaged over the m·n pairs. G_ij = (σ(S_ij + b) − A_ij) / (m n).
  public static let sigmoid = Loss(
    "sigmoid", terms: { documents, offsets in (offsets.count - 1) * documents }, learnsBias: true)

  /// max(0, γ − (S_ir − S_il)) for every relevant r and irrelevant l of each query, averaged
  /// over those pairs Σ|R_i|(n − |R_i|) (at least 1); γ is the margin. Each active pair adds
  /// −1/T to G_ir and +1/T to G_il. Unit rows put every score within 2/τ of every other, so a
  /// larger margin could never be met.
  public static let hinge = Loss(
    "hinge",
    terms: { documents, offsets in
      max(1, zip(offsets, offsets.dropFirst()).reduce(0) { total, row in
        let relevant = row.1 - row.0
        return total + relevant * (documents - relevant)
      })
    },
    largestMargin: { temperature in 2 / temperature }, kernelRelevantLimit: 64)

  public var description: String { rawValue }

  public static func == (a: Loss, b: Loss) -> Bool { a.rawValue == b.rawValue }

  public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
