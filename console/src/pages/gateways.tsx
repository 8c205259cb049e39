import { useState } from 'preact/hooks'
import { client, ok } from '../api'
import {
  ConfirmButton,
  ErrorBox,
  Field,
  JsonEditor,
  Notice,
  Pager,
  pretty,
  Select,
  TextArea,
  useAction,
  useLoad,
  when,
} from '../ui'

const LIMIT = 10

type Config = {
  mainflux_id: string
  mainflux_key: string
  external_id: string
  name?: string
  content?: string
  state: 0 | 1
  client_cert?: string
  client_key?: string
  ca_cert?: string
  last_bootstrap_at?: string
  last_failure_at?: string
  last_failure?: string
}

const stateText = (s: 0 | 1) => (s === 1 ? 'Active (whitelisted)' : 'Inactive (blacklisted)')

export function GatewaysPage() {
  const [offset, setOffset] = useState(0)
  const [state, setState] = useState('')
  const [name, setName] = useState('')
  const [q, setQ] = useState<{ state?: 0 | 1; name?: string }>({})
  const list = useLoad(
    () => ok(client.GET('/things/configs', { params: { query: { offset, limit: LIMIT, ...q } } })),
    [offset, q]
  )
  const [open, setOpen] = useState<string | null>(null)
  const act = useAction()
  const setStateOf = (c: Config, s: 0 | 1) =>
    act.run(async () => {
      await ok(
        client.PUT('/things/state/{id}', {
          params: { path: { id: c.mainflux_id } },
          body: { state: s },
        })
      )
      list.reload()
    })
  return (
    <section>
      <h1>Gateways</h1>
      <form
        role='search'
        aria-label='Search gateways'
        onSubmit={(e) => {
          e.preventDefault()
          setOffset(0)
          setQ({ ...(state ? { state: Number(state) as 0 | 1 } : {}), ...(name ? { name } : {}) })
        }}
      >
        <Field label='Gateway name' value={name} onValue={setName} />
        <Select
          label='State'
          value={state}
          onValue={setState}
          options={[
            ['', 'Any'],
            ['1', 'Active'],
            ['0', 'Inactive'],
          ]}
        />
        <button type='submit'>Search</button>
      </form>
      <ErrorBox error={list.error ?? act.error} />
      {list.data && (
        <>
          <div class='scroll' tabIndex={0} role='region' aria-label='Gateways table'>
            <table>
              <caption>Bootstrap configs ({list.data.total})</caption>
              <thead>
                <tr>
                  <th scope='col'>Name</th>
                  <th scope='col'>External id</th>
                  <th scope='col'>State</th>
                  <th scope='col'>Last bootstrapped</th>
                  <th scope='col'>Last failed</th>
                  <th scope='col'>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.configs.length === 0 && (
                  <tr>
                    <td colSpan={6}>No gateways yet.</td>
                  </tr>
                )}
                {list.data.configs.map((c) => (
                  <tr key={c.mainflux_id}>
                    <td>{c.name || c.mainflux_id}</td>
                    <td class='mono'>{c.external_id}</td>
                    <td>{stateText(c.state)}</td>
                    <td>{when(c.last_bootstrap_at)}</td>
                    <td>
                      {c.last_failure_at
                        ? `${when(c.last_failure_at)}: ${c.last_failure ?? ''}`
                        : 'never'}
                    </td>
                    <td class='actions'>
                      {c.state === 1 ? (
                        <button
                          type='button'
                          disabled={act.busy}
                          aria-label={`Blacklist ${c.name || c.external_id}`}
                          onClick={() => setStateOf(c, 0)}
                        >
                          Blacklist
                        </button>
                      ) : (
                        <button
                          type='button'
                          disabled={act.busy}
                          aria-label={`Whitelist ${c.name || c.external_id}`}
                          onClick={() => setStateOf(c, 1)}
                        >
                          Whitelist
                        </button>
                      )}
                      <button
                        type='button'
                        aria-label={`Open gateway ${c.name || c.external_id}`}
                        onClick={() => setOpen(c.mainflux_id)}
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
            label='Gateways'
          />
        </>
      )}
      {open && (
        <GatewayDetail
          key={open}
          id={open}
          onClose={() => setOpen(null)}
          onChanged={() => list.reload()}
          onDeleted={() => {
            setOpen(null)
            list.reload()
          }}
        />
      )}
    </section>
  )
}

function GatewayDetail({
  id,
  onClose,
  onChanged,
  onDeleted,
}: {
  id: string
  onClose: () => void
  onChanged: () => void
  onDeleted: () => void
}) {
  const cfg = useLoad(
    () => ok(client.GET('/things/configs/{id}', { params: { path: { id } } })),
    [id]
  )
  const c = cfg.data
  return (
    <section class='panel' aria-labelledby='gw-heading'>
      <h2 id='gw-heading'>Gateway {c ? c.name || c.external_id : id}</h2>
      <ErrorBox error={cfg.error} />
      {c && (
        <>
          <dl>
            <dt>Thing id</dt>
            <dd class='mono'>{c.mainflux_id}</dd>
            <dt>External id</dt>
            <dd class='mono'>{c.external_id}</dd>
            <dt>State</dt>
            <dd>{stateText(c.state)}</dd>
            <dt>Last bootstrapped</dt>
            <dd>{when(c.last_bootstrap_at)}</dd>
            <dt>Last failed</dt>
            <dd>
              {c.last_failure_at ? `${when(c.last_failure_at)}: ${c.last_failure ?? ''}` : 'never'}
            </dd>
          </dl>
          <EditContent
            id={id}
            name={c.name ?? ''}
            content={c.content ?? ''}
            onSaved={() => {
              cfg.reload()
              onChanged()
            }}
          />
          <EditChannels
            id={id}
            channels={(c.mainflux_channels ?? []).map((ch) => ch.id)}
            onSaved={cfg.reload}
          />
          <EditCerts id={id} onSaved={cfg.reload} />
          <Answer id={id} />
          <Delete id={id} label={c.name || c.external_id} onDeleted={onDeleted} />
        </>
      )}
      <button type='button' onClick={onClose}>
        Close
      </button>
    </section>
  )
}

function EditContent({
  id,
  name: name0,
  content: content0,
  onSaved,
}: {
  id: string
  name: string
  content: string
  onSaved: () => void
}) {
  const [name, setName] = useState(name0)
  const [content, setContent] = useState(() => {
    try {
      return content0 ? pretty(JSON.parse(content0)) : ''
    } catch {
      return content0
    }
  })
  const { busy, error, run } = useAction()
  const [done, setDone] = useState(false)
  return (
    <form
      aria-label='Edit gateway content'
      onSubmit={(e) => {
        e.preventDefault()
        setDone(false)
        run(async () => {
          if (content.trim()) {
            try {
              JSON.parse(content)
            } catch (err) {
              throw new Error(`Content is not valid JSON: ${(err as Error).message}`)
            }
          }
          const body = { name, content: content.trim() ? JSON.stringify(JSON.parse(content)) : '' }
          await ok(client.PUT('/things/configs/{id}', { params: { path: { id } }, body }))
          setDone(true)
          onSaved()
        })
      }}
    >
      <h3>Name and content</h3>
      <Field label='Gateway name' value={name} onValue={setName} />
      <JsonEditor
        label='Content (JSON)'
        value={content}
        onValue={setContent}
        object={false}
        rows={8}
      />
      <ErrorBox error={error} />
      {done && <Notice>Content saved.</Notice>}
      <button type='submit' disabled={busy}>
        Save content
      </button>
    </form>
  )
}

function EditChannels({
  id,
  channels,
  onSaved,
}: {
  id: string
  channels: string[]
  onSaved: () => void
}) {
  const [text, setText] = useState(channels.join('\n'))
  const { busy, error, run } = useAction()
  const [done, setDone] = useState(false)
  return (
    <form
      aria-label='Edit gateway channels'
      onSubmit={(e) => {
        e.preventDefault()
        setDone(false)
        run(async () => {
          const ids = text.split(/[\s,]+/).filter(Boolean)
          await ok(
            client.PUT('/things/configs/connections/{id}', {
              params: { path: { id } },
              body: { channels: ids },
            })
          )
          setDone(true)
          onSaved()
        })
      }}
    >
      <h3>Channels</h3>
      <TextArea label='Channel ids (one a line)' value={text} onValue={setText} rows={3} />
      <ErrorBox error={error} />
      {done && <Notice>Channels saved.</Notice>}
      <button type='submit' disabled={busy}>
        Save channels
      </button>
    </form>
  )
}

function EditCerts({ id, onSaved }: { id: string; onSaved: () => void }) {
  const [cert, setCert] = useState('')
  const [key, setKey] = useState('')
  const [ca, setCa] = useState('')
  const { busy, error, run } = useAction()
  const [done, setDone] = useState(false)
  return (
    <form
      aria-label='Edit gateway certificates'
      onSubmit={(e) => {
        e.preventDefault()
        setDone(false)
        run(async () => {
          const body = {
            ...(cert ? { client_cert: cert } : {}),
            ...(key ? { client_key: key } : {}),
            ...(ca ? { ca_cert: ca } : {}),
          }
          if (!Object.keys(body).length) throw new Error('Paste at least one certificate or key')
          await ok(client.PATCH('/things/configs/certs/{id}', { params: { path: { id } }, body }))
          setDone(true)
          setKey('')
          onSaved()
        })
      }}
    >
      <h3>Certificates</h3>
      <TextArea label='Client certificate (PEM)' value={cert} onValue={setCert} rows={3} />
      <TextArea label='Client key (PEM)' value={key} onValue={setKey} rows={3} />
      <TextArea label='CA certificate (PEM)' value={ca} onValue={setCa} rows={3} />
      <ErrorBox error={error} />
      {done && <Notice>Certificates saved.</Notice>}
      <button type='submit' disabled={busy}>
        Save certificates
      </button>
    </form>
  )
}

function Answer({ id }: { id: string }) {
  const [answer, setAnswer] = useState<unknown>(undefined)
  const { busy, error, run } = useAction()
  return (
    <div>
      <h3>Bootstrap answer</h3>
      <p>
        What the gateway would get from GET /things/bootstrap/&lt;external id&gt; now (owner only;
        not recorded as a bootstrap).
      </p>
      <button
        type='button'
        disabled={busy}
        onClick={() =>
          run(async () =>
            setAnswer(
              await ok(client.GET('/things/configs/{id}/answer', { params: { path: { id } } }))
            )
          )
        }
      >
        Show bootstrap answer
      </button>
      <ErrorBox error={error} />
      {answer !== undefined && (
        <pre class='mono' aria-label='Bootstrap answer' tabIndex={0}>
          {pretty(answer)}
        </pre>
      )}
    </div>
  )
}

function Delete({ id, label, onDeleted }: { id: string; label: string; onDeleted: () => void }) {
  const { error, run } = useAction()
  return (
    <div>
      <h3>Delete</h3>
      <ErrorBox error={error} />
      <ConfirmButton
        label='Delete bootstrap config'
        confirmLabel='Confirm delete'
        question={`Delete the bootstrap config of ${label}? The thing stays.`}
        onConfirm={() =>
          run(async () => {
            await ok(client.DELETE('/things/configs/{id}', { params: { path: { id } } }))
            onDeleted()
          })
        }
      />
    </div>
  )
}
