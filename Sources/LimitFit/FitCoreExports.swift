// The types the library's API shares with the CPU engines (Loss, StepEvaluation, FitScalar)
// live in FitCore, below both; users of LimitFit see them as its own.
@_exported import FitCore
