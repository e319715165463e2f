/// The OpenCL C sources of limitfit's kernels, embedded in the binary at build time, so that
/// a statically linked binary copied to another machine needs no files beside it.
public enum KernelSources {
  /// The program of every kernel but the loss's: the common definitions, the tiled products'
  /// machinery, then the kernel families.
  public static var program: String {
    text([
      PackageResources.common_cl, PackageResources.tiles_cl, PackageResources.scores_cl,
      PackageResources.gradients_cl, PackageResources.adam_cl, PackageResources.reduce_cl,
      PackageResources.fused_cl, PackageResources.control_cl,
    ])
  }

  /// The program of the loss kernel, built once per loss with its definition: the common
  /// definitions, then the losses.
  public static var lossProgram: String {
    text([PackageResources.common_cl, PackageResources.losses_cl])
  }

  private static func text(_ files: [[UInt8]]) -> String {
    files.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
  }
}
