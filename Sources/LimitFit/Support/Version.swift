/// The version of limitfit, recorded with every result.
public let limitfitVersion = "0.2.0"
