/**
 * Exit codes of `fluxgate` (documented in the README):
 * 0 success, 1 some rows or items failed (or the API refused the request), 2 usage errors,
 * 3 connection or authentication failures.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, connection: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** An error the CLI reports as one line on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** A usage error (exit 2): bad flags, a bad input file, refused before anything is sent. */
export const usage = (message: string) => new CliError(message, EXIT.usage)
