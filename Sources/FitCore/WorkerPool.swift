import Foundation
import Synchronization

/// Threads that live as long as the process and share out the parts of one step: the CPU
/// engine hands them work twice per step, which at small sizes is every few hundred
/// microseconds, too often to wake sleeping threads each time (Dispatch's `concurrentPerform`
/// does) without losing much of the second core.
///
/// A job's parts go to whichever thread asks next, the caller's included. Between jobs the
/// workers wait on the job counter for about `spinSeconds`, then sleep until the next job.
/// The pool serves a lone user: where several engines run side by side (a search's small fits,
/// one per core), each does its parts on its own thread, since a worker waiting for one of them
/// would take a core from another.
package final class WorkerPool: @unchecked Sendable {
  /// The pool of the process: one worker per core besides the caller's.
  package static let shared = WorkerPool(workers: ProcessInfo.processInfo.activeProcessorCount - 1)

  /// How long a worker waits for the next job before it sleeps.
  static let spinSeconds = 50e-6

  private let workerCount: Int
  /// The users (`join()`) there are now.
  private let users = Atomic<Int>(0)
  /// Whether a job runs (taken by its caller before anything else).
  private let busy = Atomic<Bool>(false)
  /// Twice the number of jobs published; odd while the next job is being written.
  private let generation = Atomic<Int>(0)
  /// The next part to hand out, and the parts finished, of the current job.
  private let nextPart = Atomic<Int>(0)
  private let finishedParts = Atomic<Int>(0)
  /// Workers between joining a job and leaving it: a new job is written only when none is.
  private let workersInside = Atomic<Int>(0)
  /// Workers asleep, or about to be, on `wakeUp`.
  private let sleepers = Atomic<Int>(0)
  private let wakeUp = NSCondition()
  // The current job, written only while `generation` is odd and no worker is inside, read only
  // by workers inside a job they saw published.
  private var partCount = 0
  private var body: (@Sendable (Int) -> Void)?

  /// Starts `workers` threads (none for 0 or fewer: every job then runs on its caller).
  package init(workers: Int) {
    workerCount = max(0, workers)
    for _ in 0..<workerCount {
      let thread = Thread { [unowned self] in self.serve() }
      thread.name = "limitfit worker"
      thread.start()
    }
  }

  /// Counts in a user (an engine, for its life); `leave()` counts it out.
  package func join() { users.wrappingAdd(1, ordering: .relaxed) }

  /// Counts out a user counted in by `join()`.
  package func leave() { users.wrappingSubtract(1, ordering: .relaxed) }

  /// Calls `body` once for each part in 0..<count, on the caller's thread and the workers' when
  /// the caller is the only user, and returns when every call has returned. The parts must not
  /// depend on one another.
  package func forEach(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard workerCount > 0, count > 1, users.load(ordering: .relaxed) <= 1,
      busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for part in 0..<count { body(part) }
      return
    }
    // Close the door (odd generation), wait for the last job's stragglers to leave, write the
    // job, open the door (even generation). A worker that joins checks the door after it has
    // counted itself in, so it either sees the door closed or is waited for here.
    let published = generation.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue + 1
    while workersInside.load(ordering: .sequentiallyConsistent) > 0 {}
    self.body = body
    partCount = count
    nextPart.store(0, ordering: .relaxed)
    finishedParts.store(0, ordering: .relaxed)
    generation.store(published, ordering: .sequentiallyConsistent)
    if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
      wakeUp.lock()
      wakeUp.broadcast()
      wakeUp.unlock()
    }
    takeParts()
    while finishedParts.load(ordering: .acquiring) < count {}
    self.body = nil
    busy.store(false, ordering: .releasing)
  }

  /// Runs parts of the current job until none is left.
  private func takeParts() {
    while true {
      let part = nextPart.wrappingAdd(1, ordering: .relaxed).oldValue
      guard part < partCount, let body else { return }
      body(part)
      finishedParts.wrappingAdd(1, ordering: .releasing)
    }
  }

  /// A worker's loop: wait for a job newer than the last one served, join it, serve it.
  private func serve() {
    var served = 0
    while true {
      let job = awaitJob(after: served)
      workersInside.wrappingAdd(1, ordering: .sequentiallyConsistent)
      if generation.load(ordering: .sequentiallyConsistent) == job {
        takeParts()
        served = job
      }
      workersInside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }
  }

  /// The generation of a published job newer than `served`: spins for `spinSeconds`, then sleeps.
  private func awaitJob(after served: Int) -> Int {
    func published() -> Int? {
      let current = generation.load(ordering: .sequentiallyConsistent)
      return current != served && current % 2 == 0 ? current : nil
    }
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(Self.spinSeconds * 1e9)
    var spins = 0
    while true {
      if let job = published() { return job }
      spins += 1
      if spins % 256 == 0, DispatchTime.now().uptimeNanoseconds > deadline { break }
    }
    wakeUp.lock()
    defer { wakeUp.unlock() }
    sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
    defer { sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
    while true {
      if let job = published() { return job }
      wakeUp.wait()
    }
  }
}

/// How CPU fits share the cores, by the size of a step's products, m · n · d: the engine's
/// threads and a search's side-by-side fits, decided in one place.
package enum CPUConcurrency {
  /// Whether a fit's step is worth the pool's threads: below 2¹⁶ products it takes a few
  /// microseconds, and hand-offs would cost more than they share.
  package static func isThreaded(products: Int) -> Bool { products >= 1 << 16 }

  /// Whether a search runs such fits side by side, one per core: below about 2 million products
  /// a step takes well under a millisecond, and separate fits on separate cores do more than one
  /// fit on all of them. (Side by side, each engine runs on its own thread: `WorkerPool`.)
  package static func runsSideBySide(products: Double) -> Bool { products < 2e6 }
}
