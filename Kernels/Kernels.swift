/// The OpenCL C sources of limitfit's kernels, embedded in the binary at build time, so that
/// a statically linked binary copied to another machine needs no files beside it.
public enum KernelSources {
  /// The whole program: the common definitions, the tiled products' machinery, then every
  /// kernel family.
  public static var program: String {
    [
      PackageResources.common_cl, PackageResources.tiles_cl, PackageResources.scores_cl, PackageResources.losses_cl,
      PackageResources.gradients_cl, PackageResources.adam_cl, PackageResources.reduce_cl,
      PackageResources.fused_cl, PackageResources.control_cl,
    ].map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
  }
}
