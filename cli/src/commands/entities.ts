import { type Command, Option } from 'commander'
import { idList, jsonObject, nonNegativeInt, oneOf } from '../args'
import type { Channel, Thing } from '../api'
import { clientFor } from '../context'
import { usage } from '../errors'
import { type Column, printList, printRecord, say } from '../output'

/*
 * `fluxgate things ...` and `fluxgate channels ...`: list with the API's filters, create, get,
 * update (full replace, as PUT is), delete, and many-to-many connect/disconnect (`POST /connect`,
 * `POST /disconnect`: every listed channel with every listed thing, all or nothing).
 */

type Entity = Thing | (Channel & { key?: undefined })

interface ListOpts {
  name?: string
  metadata?: Record<string, unknown>
  order?: string
  dir?: string
  offset?: number
  limit?: number
}

function addConnect(group: Command): void {
  for (const [verb, path, past] of [
    ['connect', '/connect', 'connected'],
    ['disconnect', '/disconnect', 'disconnected'],
  ] as const) {
    group
      .command(verb)
      .description(
        `${verb} every listed channel ${verb === 'connect' ? 'with' : 'from'} every listed thing (all or nothing)`
      )
      .requiredOption(
        '--channels <ids>',
        'channel ids (comma-separated; repeatable)',
        idList('--channels')
      )
      .requiredOption(
        '--things <ids>',
        'thing ids (comma-separated; repeatable)',
        idList('--things')
      )
      .action(async (o: { channels: string[]; things: string[] }, cmd: Command) => {
        const { client, g } = clientFor(cmd)
        await client.post(path, { channel_ids: o.channels, thing_ids: o.things })
        if (g.json) printRecord(g, { [past]: true, channel_ids: o.channels, thing_ids: o.things })
        else say(g, `${past} ${o.channels.length} channel(s) and ${o.things.length} thing(s)`)
      })
  }
}

export function entityGroup(program: Command, kind: 'things' | 'channels'): Command {
  const one = kind === 'things' ? 'thing' : 'channel'
  const group = program.command(kind).description(`manage ${kind}`)
  const columns: Column<Entity>[] = [
    { header: 'id', value: (e) => e.id },
    { header: 'name', value: (e) => e.name },
    ...(kind === 'things' ? [{ header: 'key', value: (e: Entity) => e.key }] : []),
    { header: 'metadata', value: (e) => e.metadata },
  ]

  group
    .command('list')
    .description(`list ${kind} (the API's filters and paging)`)
    .option('--name <text>', 'case-insensitive substring of the name')
    .option(
      '--metadata <json>',
      'metadata that must be contained, as a JSON object',
      jsonObject('--metadata')
    )
    .addOption(new Option('--order <field>', 'order by').choices(['id', 'name']))
    .addOption(new Option('--dir <dir>', 'order direction').choices(['asc', 'desc']))
    .option('--offset <n>', 'skip this many', nonNegativeInt('--offset'))
    .option('--limit <n>', 'page size (1-100; server default 10)', nonNegativeInt('--limit'))
    .action(async (o: ListOpts, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const page = await client.get<
        Record<string, unknown> & { total: number; offset: number; limit: number }
      >(`/${kind}`, {
        query: {
          name: o.name,
          metadata: o.metadata ? JSON.stringify(o.metadata) : undefined,
          order: o.order,
          dir: o.dir,
          offset: o.offset,
          limit: o.limit,
        },
      })
      const rows = (page[kind] as Entity[]) ?? []
      printList(
        g,
        page,
        rows,
        columns,
        `${rows.length} of ${page.total} (offset ${page.offset}, limit ${page.limit})`
      )
    })

  const create = group
    .command('create')
    .description(`create a ${one}`)
    .option('--name <name>', 'name')
    .option('--metadata <json>', 'metadata (JSON object)', jsonObject('--metadata'))
  if (kind === 'things') create.option('--key <key>', 'thing key (random when absent)')
  create.action(
    async (
      o: { name?: string; metadata?: Record<string, unknown>; key?: string },
      cmd: Command
    ) => {
      const { client, g } = clientFor(cmd)
      const res = await client.send('POST', `/${kind}`, {
        body: { name: o.name, metadata: o.metadata, key: o.key },
      })
      const id = (res.headers.get('location') ?? '').split('/').pop() ?? ''
      const created = await client.get<Entity>(`/${kind}/${encodeURIComponent(id)}`)
      if (g.json) printRecord(g, created)
      else printRecord(g, created, { ...created })
    }
  )

  group
    .command('get')
    .description(`show one ${one}`)
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const e = await client.get<Entity>(`/${kind}/${encodeURIComponent(id)}`)
      printRecord(g, e, { ...e })
    })

  group
    .command('update')
    .description(`replace a ${one}'s name and metadata (an omitted one is cleared, as PUT does)`)
    .argument('<id>')
    .option('--name <name>', 'name')
    .option('--metadata <json>', 'metadata (JSON object)', jsonObject('--metadata'))
    .action(
      async (
        id: string,
        o: { name?: string; metadata?: Record<string, unknown> },
        cmd: Command
      ) => {
        if (o.name === undefined && o.metadata === undefined)
          throw usage('update needs --name and/or --metadata')
        const { client, g } = clientFor(cmd)
        await client.put(`/${kind}/${encodeURIComponent(id)}`, {
          name: o.name,
          metadata: o.metadata,
        })
        const e = await client.get<Entity>(`/${kind}/${encodeURIComponent(id)}`)
        printRecord(g, e, { ...e })
      }
    )

  group
    .command('delete')
    .description(`delete a ${one}`)
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      await client.delete(`/${kind}/${encodeURIComponent(id)}`)
      if (g.json) printRecord(g, { deleted: id })
      else say(g, `deleted ${one} ${id}`)
    })

  addConnect(group)
  return group
}

export { oneOf }
