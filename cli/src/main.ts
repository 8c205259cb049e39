import { Command, CommanderError } from 'commander'
import { CliError, EXIT } from './errors'
import * as auth from './commands/auth'
import * as certs from './commands/certs'
import * as channels from './commands/channels'
import * as gateways from './commands/gateways'
import * as importCmd from './commands/import'
import * as keys from './commands/keys'
import * as provision from './commands/provision'
import * as things from './commands/things'

/** Every command group; each adds its commands to the program. */
const GROUPS: { register(program: Command): void }[] = [
  auth,
  things,
  channels,
  keys,
  certs,
  gateways,
  provision,
  importCmd,
]

export function buildProgram(): Command {
  const program = new Command('fluxgate')
    .description('Command-line client for the Fluxgate API (wire-compatible with Mainflux 0.12.1)')
    .version(process.env.FLUXGATE_CLI_VERSION ?? '0.1.0')
    .option('--url <url>', 'API base URL (env FLUXGATE_URL, default http://localhost:8787)')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 some rows/items failed, 2 usage error, 3 connection or authentication failure.'
    )
  for (const g of GROUPS) g.register(program)
  // Usage errors exit 2, from every subcommand too.
  const override = (cmd: Command) => {
    cmd.exitOverride()
    for (const sub of cmd.commands) override(sub)
  }
  override(program)
  return program
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return EXIT.ok
      }
      // commander has already printed its message.
      return EXIT.usage
    }
    if (e instanceof CliError) {
      process.stderr.write(`fluxgate: ${e.message}\n`)
      return e.exitCode
    }
    const err = e as Error
    process.stderr.write(`fluxgate: unexpected error: ${err?.message ?? String(e)}\n`)
    if (process.env.FLUXGATE_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`)
    return EXIT.failed
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
