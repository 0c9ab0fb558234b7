import ArgumentParser
import EddyRuntime
import Foundation

/// `eddy run`'s exit status, for a supervisor (systemd, Kubernetes) that restarts a worker
/// which failed: 0 after a clean stop on SIGINT/SIGTERM; 1 when it stopped on an error or
/// could not start; 2 when the application was shut down (`shutdown_application`, by this
/// worker or another); 78 (`EX_CONFIG`) for a bad application file. The reason is always on
/// stderr.
enum WorkerExit {
    static let failed: Int32 = 1
    static let applicationShutdown: Int32 = 2
    static let badApplicationFile: Int32 = 78

    /// Throws the exit for a worker that stopped for `cause`; returns after a requested stop.
    static func check(_ cause: WorkerStopCause) throws {
        switch cause {
        case .requested:
            return
        case .failed(_, let error):
            throw exit(failed, "eddy run: stopped by an error: \(error)")
        case .globalThreadFailed(let error):
            throw exit(failed, "eddy run: stopped by an error of the global-store thread: \(error)")
        case .applicationShutdown(let shutdown):
            throw exit(applicationShutdown, "eddy run: \(shutdown)")
        }
    }

    /// The exit for a worker that could not start because of `error`.
    static func couldNotStart(_ error: any Error) -> ExitCode {
        switch error {
        case let error as AppConfigError:
            exit(badApplicationFile, "eddy run: bad application file: \(error)")
        case let shutdown as ApplicationShutdown:
            exit(applicationShutdown, "eddy run: not started: \(shutdown)")
        default:
            exit(failed, "eddy run: could not start: \(error)")
        }
    }

    private static func exit(_ status: Int32, _ reason: String) -> ExitCode {
        FileHandle.standardError.write(Data((reason + "\n").utf8))
        return ExitCode(status)
    }
}
