import type { Command } from 'commander'
import { durationSeconds, nonNegativeInt } from '../args'
import type { IssuedKey, Key as ApiKey, KeysPage } from '../api'
import { clientFor } from '../context'
import { type Column, printList, printRecord, say } from '../output'

type Key = ApiKey

export function register(program: Command): void {
  const group = program.command('keys').description('API keys (POST/GET/DELETE /keys)')
  group
    .command('create')
    .description('issue an API key; its value is shown only once')
    .option(
      '--expires <duration>',
      'lifetime: seconds or 90m, 12h, 30d, 1y (none: no expiry)',
      durationSeconds('--expires')
    )
    .action(async (o: { expires?: number }, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const key = await client.post<IssuedKey>('/keys', { type: 2, duration: o.expires })
      printRecord(g, key, {
        id: key.id,
        value: key.value,
        issued_at: key.issued_at,
        expires_at: key.expires_at ?? 'never',
      })
    })
  const columns: Column<Key>[] = [
    { header: 'id', value: (k) => k.id },
    { header: 'issued_at', value: (k) => k.issued_at },
    { header: 'expires_at', value: (k) => k.expires_at ?? 'never' },
  ]
  group
    .command('list')
    .description('list your API keys (values are never shown again)')
    .option('--offset <n>', 'skip this many', nonNegativeInt('--offset'))
    .option('--limit <n>', 'page size (1-100)', nonNegativeInt('--limit'))
    .action(async (o: { offset?: number; limit?: number }, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const page = await client.get<KeysPage>('/keys', {
        query: { offset: o.offset, limit: o.limit },
      })
      printList(g, page, page.keys, columns, `${page.keys.length} of ${page.total}`)
    })
  group
    .command('revoke')
    .description('revoke an API key')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      await client.delete(`/keys/${encodeURIComponent(id)}`)
      if (g.json) printRecord(g, { revoked: id })
      else say(g, `revoked key ${id}`)
    })
}
