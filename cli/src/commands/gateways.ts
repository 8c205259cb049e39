import { type Command, Option } from 'commander'
import { nonNegativeInt } from '../args'
import type { BootstrapConfig, BootstrapConfigsPage } from '../api'
import { clientFor } from '../context'
import { type Column, printList, printRecord, say } from '../output'

/* `fluxgate gateways`: the bootstrap configs (`/things/configs`), their state and last fetches. */

type Config = BootstrapConfig

const stateName = (s: number) => (s === 1 ? 'active' : 'inactive')

export function register(program: Command): void {
  const group = program
    .command('gateways')
    .description('bootstrap configs of gateways: list, show, whitelist, blacklist')
  const columns: Column<Config>[] = [
    { header: 'thing_id', value: (c) => c.mainflux_id },
    { header: 'external_id', value: (c) => c.external_id },
    { header: 'name', value: (c) => c.name },
    { header: 'state', value: (c) => stateName(c.state) },
    { header: 'last_bootstrap', value: (c) => c.last_bootstrap_at ?? 'never' },
    {
      header: 'last_failure',
      value: (c) => (c.last_failure_at ? `${c.last_failure_at} ${c.last_failure ?? ''}` : ''),
    },
  ]
  group
    .command('list')
    .description('list bootstrap configs')
    .addOption(
      new Option('--state <s>', 'only active (1) or inactive (0)').choices([
        '0',
        '1',
        'active',
        'inactive',
      ])
    )
    .option('--name <text>', 'case-insensitive substring of the name')
    .option('--external-id <id>', 'exact external id')
    .option('--offset <n>', 'skip this many', nonNegativeInt('--offset'))
    .option('--limit <n>', 'page size (1-100)', nonNegativeInt('--limit'))
    .action(
      async (
        o: { state?: string; name?: string; externalId?: string; offset?: number; limit?: number },
        cmd: Command
      ) => {
        const { client, g } = clientFor(cmd)
        const state = o.state === 'active' ? '1' : o.state === 'inactive' ? '0' : o.state
        const page = await client.get<BootstrapConfigsPage>('/things/configs', {
          query: {
            state,
            name: o.name,
            external_id: o.externalId,
            offset: o.offset,
            limit: o.limit,
          },
        })
        printList(g, page, page.configs, columns, `${page.configs.length} of ${page.total}`)
      }
    )
  group
    .command('show')
    .description('show one bootstrap config (by thing id) with its channels and last fetches')
    .argument('<thing-id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const c = await client.get<Config>(`/things/configs/${encodeURIComponent(id)}`)
      printRecord(g, c, {
        thing_id: c.mainflux_id,
        external_id: c.external_id,
        name: c.name,
        state: stateName(c.state),
        last_bootstrap: c.last_bootstrap_at ?? 'never',
        last_failure: c.last_failure_at ? `${c.last_failure_at} ${c.last_failure ?? ''}` : '',
        channels: (c.mainflux_channels ?? [])
          .map((ch) => (ch.name ? `${ch.id} (${ch.name})` : ch.id))
          .join(', '),
        content: c.content,
      })
    })
  for (const [verb, state] of [
    ['whitelist', 1],
    ['blacklist', 0],
  ] as const) {
    group
      .command(verb)
      .description(
        state === 1
          ? 'activate: connect the gateway to its config channels'
          : 'deactivate: disconnect it'
      )
      .argument('<thing-id>')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const { client, g } = clientFor(cmd)
        await client.put(`/things/state/${encodeURIComponent(id)}`, { state })
        if (g.json) printRecord(g, { thing_id: id, state })
        else say(g, `${id}: ${stateName(state)}`)
      })
  }
}
