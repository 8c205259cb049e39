import { useState } from 'preact/hooks'
import { ApiError, asMetadata, client, createdId, ok, okWith } from '../api'
import {
  ConfirmButton,
  ErrorBox,
  Field,
  JsonEditor,
  Notice,
  Pager,
  parseJsonObject,
  pretty,
  Select,
  TextArea,
  useAction,
  useLoad,
} from '../ui'

type Entity = { id: string; name?: string; key?: string; metadata?: Record<string, unknown> }
type Page = { total: number; offset: number; limit: number; items: Entity[] }
type Query = {
  offset: number
  limit: number
  name?: string
  metadata?: string
  order?: 'id' | 'name'
  dir?: 'asc' | 'desc'
}
type ConnQuery = { offset: number; limit: number; connected?: boolean; disconnected?: boolean }

/** What the Things and Channels pages differ in: their routes (typed calls) and words. */
interface Kind {
  one: string
  many: string
  Many: string
  other: string
  list(q: Query): Promise<Page>
  create(body: { name?: string; metadata?: Record<string, unknown> }): Promise<string>
  bulk(rows: { name?: string; metadata?: Record<string, unknown> }[]): Promise<Entity[]>
  update(id: string, body: { name?: string; metadata?: Record<string, unknown> }): Promise<unknown>
  remove(id: string): Promise<unknown>
  /** The other kind, connected to (or not) this one. */
  peers(id: string, q: ConnQuery): Promise<Page>
  connect(id: string, peers: string[], on: boolean): Promise<unknown>
}

const connectBody = (kind: 'things' | 'channels', id: string, peers: string[]) =>
  kind === 'things'
    ? { thing_ids: [id], channel_ids: peers }
    : { channel_ids: [id], thing_ids: peers }

const things: Kind = {
  one: 'thing',
  many: 'things',
  Many: 'Things',
  other: 'channels',
  list: async (q) => {
    const r = await ok(client.GET('/things', { params: { query: q } }))
    return { ...r, items: r.things }
  },
  create: async (body) =>
    createdId(
      (
        await okWith(
          client.POST('/things', { body: { ...body, metadata: asMetadata(body.metadata) } })
        )
      ).response
    ),
  bulk: async (rows) =>
    (
      await ok(
        client.POST('/things/bulk', {
          body: rows.map((r) => ({ ...r, metadata: asMetadata(r.metadata) })),
        })
      )
    ).things,
  update: (id, body) =>
    ok(
      client.PUT('/things/{id}', {
        params: { path: { id } },
        body: { ...body, metadata: asMetadata(body.metadata) },
      })
    ),
  remove: (id) => ok(client.DELETE('/things/{id}', { params: { path: { id } } })),
  peers: async (id, q) => {
    const r = await ok(client.GET('/things/{id}/channels', { params: { path: { id }, query: q } }))
    return { ...r, items: r.channels }
  },
  connect: (id, peers, on) =>
    ok(client.POST(on ? '/connect' : '/disconnect', { body: connectBody('things', id, peers) })),
}

const channels: Kind = {
  one: 'channel',
  many: 'channels',
  Many: 'Channels',
  other: 'things',
  list: async (q) => {
    const r = await ok(client.GET('/channels', { params: { query: q } }))
    return { ...r, items: r.channels }
  },
  create: async (body) =>
    createdId(
      (
        await okWith(
          client.POST('/channels', { body: { ...body, metadata: asMetadata(body.metadata) } })
        )
      ).response
    ),
  bulk: async (rows) =>
    (
      await ok(
        client.POST('/channels/bulk', {
          body: rows.map((r) => ({ ...r, metadata: asMetadata(r.metadata) })),
        })
      )
    ).channels,
  update: (id, body) =>
    ok(
      client.PUT('/channels/{id}', {
        params: { path: { id } },
        body: { ...body, metadata: asMetadata(body.metadata) },
      })
    ),
  remove: (id) => ok(client.DELETE('/channels/{id}', { params: { path: { id } } })),
  peers: async (id, q) => {
    const r = await ok(client.GET('/channels/{id}/things', { params: { path: { id }, query: q } }))
    return { ...r, items: r.things }
  },
  connect: (id, peers, on) =>
    ok(client.POST(on ? '/connect' : '/disconnect', { body: connectBody('channels', id, peers) })),
}

export const ThingsPage = () => <EntityPage kind={things} />
export const ChannelsPage = () => <EntityPage kind={channels} />

const LIMIT = 10
/** Rows per /bulk request. */
export const BULK_CHUNK = 50

/** CSV with a header line `name,metadata` (metadata: a JSON object, quoted as CSV when it has commas). */
export function parseCsv(text: string): { name?: string; metadata?: Record<string, unknown> }[] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += ch
  }
  if (quoted) throw new Error('CSV: a quoted cell is not closed')
  if (cell || row.length) {
    row.push(cell)
    rows.push(row)
  }
  const lines = rows.filter((r) => r.some((c) => c.trim()))
  const header = lines.shift()?.map((h) => h.trim().toLowerCase())
  if (!header || header[0] !== 'name')
    throw new Error('CSV: the first line must be the header name,metadata')
  const mi = header.indexOf('metadata')
  return lines.map((r, n) => {
    const name = r[0]?.trim()
    const metaText = mi >= 0 ? (r[mi] ?? '').trim() : ''
    let metadata: Record<string, unknown> | undefined
    try {
      metadata = metaText ? parseJsonObject(metaText) : undefined
    } catch (e) {
      throw new Error(`CSV line ${n + 2}: ${(e as Error).message}`)
    }
    return { ...(name ? { name } : {}), ...(metadata ? { metadata } : {}) }
  })
}

function EntityPage({ kind }: { kind: Kind }) {
  const [name, setName] = useState('')
  const [metaFilter, setMetaFilter] = useState('')
  const [order, setOrder] = useState<'id' | 'name'>('name')
  const [dir, setDir] = useState<'asc' | 'desc'>('asc')
  const [offset, setOffset] = useState(0)
  const [query, setQuery] = useState<Query>({ offset: 0, limit: LIMIT, order: 'name', dir: 'asc' })
  const [filterError, setFilterError] = useState<unknown>(null)
  const list = useLoad(() => kind.list({ ...query, offset }), [kind, query, offset])
  const [selected, setSelected] = useState<Entity | null>(null)

  return (
    <section>
      <h1>{kind.Many}</h1>
      <form
        class='filters'
        role='search'
        aria-label={`Search ${kind.many}`}
        onSubmit={(e) => {
          e.preventDefault()
          setFilterError(null)
          if (metaFilter.trim()) {
            try {
              parseJsonObject(metaFilter, 'Metadata filter')
            } catch (err) {
              return setFilterError(err)
            }
          }
          setOffset(0)
          setQuery({
            offset: 0,
            limit: LIMIT,
            order,
            dir,
            ...(name ? { name } : {}),
            ...(metaFilter.trim() ? { metadata: metaFilter.trim() } : {}),
          })
        }}
      >
        <Field label='Name contains' value={name} onValue={setName} />
        <Field
          label='Metadata filter (JSON)'
          value={metaFilter}
          onValue={setMetaFilter}
          placeholder='{"type":"sensor"}'
        />
        <Select
          label='Order by'
          value={order}
          onValue={(v) => setOrder(v as 'id' | 'name')}
          options={[
            ['name', 'Name'],
            ['id', 'Id'],
          ]}
        />
        <Select
          label='Direction'
          value={dir}
          onValue={(v) => setDir(v as 'asc' | 'desc')}
          options={[
            ['asc', 'Ascending'],
            ['desc', 'Descending'],
          ]}
        />
        <button type='submit'>Search</button>
      </form>
      <ErrorBox error={filterError ?? list.error} />
      {list.data && (
        <>
          <div class='scroll' tabIndex={0} role='region' aria-label={`${kind.Many} table`}>
            <table>
              <caption>{`${kind.Many} (${list.data.total})`}</caption>
              <thead>
                <tr>
                  <th scope='col'>Name</th>
                  <th scope='col'>Id</th>
                  <th scope='col'>Metadata</th>
                  <th scope='col'>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.length === 0 && (
                  <tr>
                    <td colSpan={4}>No {kind.many} yet.</td>
                  </tr>
                )}
                {list.data.items.map((e) => (
                  <tr key={e.id}>
                    <td>{e.name || '(no name)'}</td>
                    <td class='mono'>{e.id}</td>
                    <td class='mono'>
                      {e.metadata && Object.keys(e.metadata).length
                        ? JSON.stringify(e.metadata)
                        : ''}
                    </td>
                    <td>
                      <button
                        type='button'
                        aria-label={`Open ${kind.one} ${e.name || e.id}`}
                        onClick={() => setSelected(e)}
                      >
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            total={list.data.total}
            offset={offset}
            limit={LIMIT}
            onOffset={setOffset}
            label={kind.Many}
          />
        </>
      )}
      {selected && (
        <Detail
          key={selected.id}
          kind={kind}
          entity={selected}
          onClose={() => setSelected(null)}
          onChanged={(e) => {
            setSelected(e)
            list.reload()
          }}
        />
      )}
      <CreateOne kind={kind} onCreated={list.reload} />
      <CreateMany kind={kind} onCreated={list.reload} />
    </section>
  )
}

function CreateOne({ kind, onCreated }: { kind: Kind; onCreated: () => void }) {
  const [name, setName] = useState('')
  const [meta, setMeta] = useState('{}')
  const [done, setDone] = useState('')
  const { busy, error, run } = useAction()
  return (
    <form
      aria-label={`Create ${kind.one}`}
      onSubmit={(e) => {
        e.preventDefault()
        setDone('')
        run(async () => {
          const metadata = parseJsonObject(meta)
          const id = await kind.create({ ...(name ? { name } : {}), metadata })
          setDone(`Created ${kind.one} ${name || id} (${id}).`)
          setName('')
          onCreated()
        })
      }}
    >
      <h2>Create a {kind.one}</h2>
      <Field label={`New ${kind.one} name`} value={name} onValue={setName} />
      <JsonEditor
        label={`New ${kind.one} metadata (JSON)`}
        value={meta}
        onValue={setMeta}
        rows={3}
      />
      <ErrorBox error={error} />
      {done && <Notice>{done}</Notice>}
      <button type='submit' disabled={busy}>
        Create {kind.one}
      </button>
    </form>
  )
}

/**
 * What a bulk create that stopped at rows first+1..last (1-based) did: the rows before were created
 * (each /bulk request is all or nothing), that chunk was refused as a whole (the API's words) or its
 * answer was lost, and the rows after it were never sent.
 */
function partialFailure(
  kind: Kind,
  total: number,
  created: number,
  first: number,
  last: number,
  err: unknown
) {
  const range = (a: number, b: number) => (a === b ? `row ${a}` : `rows ${a} to ${b}`)
  const done =
    created === 0
      ? `No ${kind.one} was created.`
      : `Created ${range(1, created)}: ${created} ${created === 1 ? kind.one : kind.many} (listed below).`
  const failed =
    err instanceof ApiError
      ? `The API refused ${range(first + 1, last)}, so none of them was created: ${err.message}.`
      : `No answer for ${range(first + 1, last)} (${(err as Error).message}): they may have been created; check the list before sending them again.`
  const after = range(last + 1, total)
  const rest =
    last < total
      ? ` ${after[0]!.toUpperCase()}${after.slice(1)} ${last + 1 === total ? 'was' : 'were'} not sent.`
      : ''
  return `${done} ${failed}${rest}`
}

function CreateMany({ kind, onCreated }: { kind: Kind; onCreated: () => void }) {
  const [csv, setCsv] = useState('name,metadata\n')
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null)
  const [created, setCreated] = useState<Entity[]>([])
  const [failed, setFailed] = useState<string>('')
  const { busy, error, run } = useAction()
  return (
    <form
      aria-label={`Create ${kind.many} from CSV`}
      onSubmit={(e) => {
        e.preventDefault()
        setCreated([])
        setFailed('')
        setProgress(null)
        run(async () => {
          // Every line is checked before anything is sent: a bad line anywhere creates nothing.
          let rows: ReturnType<typeof parseCsv>
          try {
            rows = parseCsv(csv)
          } catch (err) {
            throw new Error(
              `${(err as Error).message}. Nothing was sent: no ${kind.one} was created.`
            )
          }
          if (rows.length === 0) throw new Error('CSV: no rows under the header')
          const made: Entity[] = []
          setProgress({ done: 0, total: rows.length })
          for (let i = 0; i < rows.length; i += BULK_CHUNK) {
            const last = Math.min(rows.length, i + BULK_CHUNK)
            try {
              made.push(...(await kind.bulk(rows.slice(i, last))))
            } catch (err) {
              setFailed(partialFailure(kind, rows.length, made.length, i, last, err))
              break
            } finally {
              setCreated([...made])
              setProgress({ done: made.length, total: rows.length })
            }
          }
          onCreated()
        })
      }}
    >
      <h2>Create many {kind.many} from CSV</h2>
      <TextArea
        label='CSV (name,metadata)'
        value={csv}
        onValue={setCsv}
        rows={5}
        hint='One per line; metadata is a JSON object in a quoted cell, e.g. dev-1,"{""type"":""sensor""}"'
      />
      <div class='field'>
        <label for={`csv-file-${kind.many}`}>CSV file</label>
        <input
          id={`csv-file-${kind.many}`}
          type='file'
          accept='.csv,text/csv,text/plain'
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0]
            if (f) setCsv(await f.text())
          }}
        />
      </div>
      <ErrorBox error={error} />
      {progress && (
        <div class='field'>
          <label for={`bulk-progress-${kind.many}`}>Bulk create progress</label>
          <progress id={`bulk-progress-${kind.many}`} max={progress.total} value={progress.done}>
            {progress.done} of {progress.total}
          </progress>
          <span>
            {progress.done} of {progress.total} created
          </span>
        </div>
      )}
      {failed && (
        <p role='alert' class='error'>
          {failed}
        </p>
      )}
      {created.length > 0 && (
        <details open>
          <summary>
            Created {created.length} {kind.many}
          </summary>
          <ul>
            {created.map((c) => (
              <li key={c.id}>
                {c.name || '(no name)'} <span class='mono'>{c.id}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <button type='submit' disabled={busy}>
        Create from CSV
      </button>
    </form>
  )
}

function Detail({
  kind,
  entity,
  onClose,
  onChanged,
}: {
  kind: Kind
  entity: Entity
  onClose: () => void
  onChanged: (e: Entity | null) => void
}) {
  const [name, setName] = useState(entity.name ?? '')
  const [meta, setMeta] = useState(pretty(entity.metadata))
  const save = useAction()
  const [saved, setSaved] = useState(false)
  const del = useAction()
  const rot = useAction()
  const [newKey, setNewKey] = useState('')
  const label = entity.name || entity.id
  return (
    <section class='panel' aria-labelledby='detail-heading'>
      <h2 id='detail-heading'>
        {kind.one === 'thing' ? 'Thing' : 'Channel'} {label}
      </h2>
      <p class='mono'>Id: {entity.id}</p>
      {entity.key !== undefined && <p class='mono'>Key: {newKey || entity.key}</p>}
      <form
        aria-label={`Edit ${kind.one}`}
        onSubmit={(e) => {
          e.preventDefault()
          setSaved(false)
          save.run(async () => {
            const metadata = parseJsonObject(meta)
            await kind.update(entity.id, { name, metadata })
            setSaved(true)
            onChanged({ ...entity, name, metadata })
          })
        }}
      >
        <Field label='Name' value={name} onValue={setName} />
        <JsonEditor label='Metadata (JSON)' value={meta} onValue={setMeta} />
        <ErrorBox error={save.error} />
        {saved && <Notice>Saved.</Notice>}
        <button type='submit' disabled={save.busy}>
          Save {kind.one}
        </button>
      </form>
      {kind.one === 'thing' && (
        <div>
          <h3>Key</h3>
          <ErrorBox error={rot.error} />
          {newKey && <Notice>New key set. Devices using the old key can no longer connect.</Notice>}
          <ConfirmButton
            label='Rotate key'
            confirmLabel='Confirm key rotation'
            question={`Give ${label} a new key? The old key stops working.`}
            onConfirm={() =>
              rot.run(async () => {
                const key = crypto.randomUUID()
                await ok(
                  client.PATCH('/things/{id}/key', {
                    params: { path: { id: entity.id } },
                    body: { key },
                  })
                )
                setNewKey(key)
                onChanged({ ...entity, key })
              })
            }
          />
        </div>
      )}
      <Connections kind={kind} entity={entity} />
      <h3>Delete</h3>
      <ErrorBox error={del.error} />
      <ConfirmButton
        label={`Delete ${kind.one}`}
        confirmLabel='Confirm delete'
        question={`Delete ${kind.one} ${label}?`}
        onConfirm={() =>
          del.run(async () => {
            await kind.remove(entity.id)
            onChanged(null)
          })
        }
      />{' '}
      <button type='button' onClick={onClose}>
        Close
      </button>
    </section>
  )
}

function Connections({ kind, entity }: { kind: Kind; entity: Entity }) {
  const [tick, setTick] = useState(0)
  const [offOn, setOffOn] = useState(0)
  const [offOff, setOffOff] = useState(0)
  const on = useLoad(
    () => kind.peers(entity.id, { offset: offOn, limit: LIMIT, connected: true }),
    [entity.id, offOn, tick]
  )
  const off = useLoad(
    () => kind.peers(entity.id, { offset: offOff, limit: LIMIT, disconnected: true }),
    [entity.id, offOff, tick]
  )
  const act = useAction()
  return (
    <div>
      <h3>Connections</h3>
      <ErrorBox error={act.error ?? on.error ?? off.error} />
      <div class='cols'>
        <PickList
          title={`Connected ${kind.other}`}
          page={on.data}
          action={`Disconnect selected ${kind.other}`}
          busy={act.busy}
          offset={offOn}
          onOffset={setOffOn}
          onAct={(ids) =>
            act.run(async () => {
              await kind.connect(entity.id, ids, false)
              setTick((t) => t + 1)
            })
          }
        />
        <PickList
          title={`Available ${kind.other} (not connected)`}
          page={off.data}
          action={`Connect selected ${kind.other}`}
          busy={act.busy}
          offset={offOff}
          onOffset={setOffOff}
          onAct={(ids) =>
            act.run(async () => {
              await kind.connect(entity.id, ids, true)
              setTick((t) => t + 1)
            })
          }
        />
      </div>
    </div>
  )
}

function PickList({
  title,
  page,
  action,
  busy,
  offset,
  onOffset,
  onAct,
}: {
  title: string
  page?: Page
  action: string
  busy: boolean
  offset: number
  onOffset: (o: number) => void
  onAct: (ids: string[]) => void
}) {
  const [picked, setPicked] = useState<Set<string>>(new Set())
  return (
    <fieldset>
      <legend>{title}</legend>
      {!page ? (
        <p>Loading…</p>
      ) : page.items.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul class='picks'>
          {page.items.map((e) => (
            <li key={e.id}>
              <label>
                <input
                  type='checkbox'
                  checked={picked.has(e.id)}
                  onChange={(ev) => {
                    const next = new Set(picked)
                    if (ev.currentTarget.checked) next.add(e.id)
                    else next.delete(e.id)
                    setPicked(next)
                  }}
                />{' '}
                {e.name || e.id}
              </label>
            </li>
          ))}
        </ul>
      )}
      {page && page.total > LIMIT && (
        <Pager total={page.total} offset={offset} limit={LIMIT} onOffset={onOffset} label={title} />
      )}
      <button
        type='button'
        disabled={busy || picked.size === 0}
        onClick={() => {
          onAct([...picked])
          setPicked(new Set())
        }}
      >
        {action}
      </button>
    </fieldset>
  )
}
