import ArgumentParser
import LimitFit

struct DevicesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "devices",
    abstract: "List the OpenCL platforms and devices, and mark the one --backend auto picks."
  )

  func run() throws {
    let devices: [OpenCLDevice]
    do {
      devices = try OpenCLDevice.all()
    } catch {
      print("No OpenCL device: \(error)")
      print("auto runs the cpu backend.")
      return
    }
    let automatic = OpenCLDevice.automatic(among: devices)
    var platform = -1
    for device in devices {
      if device.platformIndex != platform {
        platform = device.platformIndex
        print("Platform \(platform): \(device.platform)")
      }
      let mark = device.index == automatic?.index ? "*" : " "
      print("\(mark) [\(device.index)] \(device.name)")
      print("      type \(device.kind.rawValue), vendor \(device.vendor), \(device.computeUnits) compute units")
      print("      global memory \(formatBytes(device.globalMemory)), max allocation \(formatBytes(device.maximumAllocation)), local memory \(formatBytes(device.localMemory)), max work-group \(device.maximumWorkGroupSize)")
      print("      \(device.version); driver \(device.driverVersion)")
    }
    if let automatic {
      print("* auto picks device \(automatic.index) (\(automatic.name)).")
    } else {
      print("auto runs the cpu backend: there is no OpenCL GPU, and on CPUs the cpu backend is faster.")
    }
  }
}
