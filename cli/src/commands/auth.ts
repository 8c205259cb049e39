import type { Command } from 'commander'
import type { Token, User } from '../api'
import { Client } from '../client'
import { credentialsPath, removeCredential, saveCredential } from '../config'
import { clientFor, globals, tokenFor } from '../context'
import { CliError, EXIT, usage } from '../errors'
import { printRecord, say } from '../output'

/** Reads all of stdin (for --password-stdin), without the final newline. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** A password typed on the terminal, not echoed. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin
    if (!stdin.isTTY) return reject(usage('no password: use --password-stdin or FLUXGATE_PASSWORD'))
    process.stderr.write(prompt)
    let value = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (err?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new CliError('interrupted', EXIT.usage))
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    stdin.on('data', onData)
  })
}

export function register(program: Command): void {
  program
    .command('login')
    .description(
      'log in with e-mail and password; stores the token (file mode 0600) for this --url'
    )
    .argument('[email]', 'the account e-mail (or FLUXGATE_EMAIL)')
    .option('--password-stdin', 'read the password from standard input')
    .action(
      async (emailArg: string | undefined, opts: { passwordStdin?: boolean }, cmd: Command) => {
        const g = globals(cmd)
        const email = (emailArg ?? process.env.FLUXGATE_EMAIL ?? '').trim()
        if (!email) throw usage('login needs an e-mail: fluxgate login EMAIL')
        let password: string
        if (opts.passwordStdin) password = await readStdin()
        else if (process.env.FLUXGATE_PASSWORD) password = process.env.FLUXGATE_PASSWORD
        else password = await promptHidden(`Password for ${email}: `)
        if (!password) throw usage('the password is empty')
        const client = new Client({ url: g.url })
        const { token } = await client.post<Token>('/tokens', { email, password }, { auth: false })
        const path = saveCredential(g.url, { token, email })
        if (g.json) printRecord(g, { url: g.url, email, credentials: path })
        else say(g, `Logged in to ${g.url} as ${email} (token saved to ${path})`)
      }
    )

  program
    .command('logout')
    .description('end the stored login token on the server (POST /tokens/revoke) and forget it')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd)
      if (tokenFor(g.url)) {
        // Best effort: an expired or already ended token (401) or an unreachable server still
        // lets the local copy go; the note says the server was not told.
        try {
          await clientFor(cmd).client.post('/tokens/revoke', {})
        } catch (e) {
          process.stderr.write(
            `fluxgate: the server was not told (${e instanceof Error ? e.message : String(e)}); forgetting the token anyway\n`
          )
        }
      }
      const removed = removeCredential(g.url)
      say(
        g,
        removed ? `Logged out of ${g.url}` : `No stored token for ${g.url} (${credentialsPath()})`
      )
    })

  program
    .command('whoami')
    .description('show the account the stored token (or FLUXGATE_TOKEN) belongs to')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      if (!tokenFor(g.url)) {
        throw new CliError(
          `not logged in to ${g.url}: run \`fluxgate login EMAIL\``,
          EXIT.connection
        )
      }
      const me = await client.get<User>('/users/profile')
      printRecord(g, me, { id: me.id, email: me.email, url: g.url, metadata: me.metadata })
    })
}
