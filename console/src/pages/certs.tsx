import { useState } from 'preact/hooks'
import { client, ok } from '../api'
import {
  ConfirmButton,
  download,
  ErrorBox,
  Field,
  Notice,
  Pager,
  Secret,
  Select,
  TextArea,
  useAction,
  useLoad,
  when,
} from '../ui'

const LIMIT = 10

type Issued = {
  thing_id: string
  cert: string
  cert_key?: string
  serial: string
  expire: string
  ca_cert: string
}

export function CertsPage() {
  const things = useLoad(
    () =>
      ok(client.GET('/things', { params: { query: { limit: 100, order: 'name', dir: 'asc' } } })),
    []
  )
  const [thing, setThing] = useState('')
  const [kind, setKind] = useState('ec')
  const [bits, setBits] = useState('')
  const [csr, setCsr] = useState('')
  const [ttl, setTtl] = useState('')
  const [issued, setIssued] = useState<Issued | null>(null)
  const [offset, setOffset] = useState(0)
  const [tick, setTick] = useState(0)
  const issue = useAction()
  const revoke = useAction()
  const files = useAction()
  const list = useLoad(
    () =>
      thing
        ? ok(
            client.GET('/certs/{id}', {
              params: { path: { id: thing }, query: { offset, limit: LIMIT } },
            })
          )
        : Promise.resolve(undefined),
    [thing, offset, tick]
  )
  const options: [string, string][] = [
    ['', 'Choose a thing'],
    ...(things.data?.things ?? []).map((t) => [t.id, t.name || t.id] as [string, string]),
  ]
  return (
    <section>
      <h1>Certificates</h1>
      <ErrorBox error={things.error} />
      <Select
        label='Thing'
        value={thing}
        onValue={(v) => {
          setThing(v)
          setOffset(0)
          setIssued(null)
        }}
        options={options}
      />
      <form
        aria-label='Issue certificate'
        onSubmit={(e) => {
          e.preventDefault()
          issue.run(async () => {
            if (!thing) throw new Error('Choose a thing first')
            const t = ttl.trim() ? { ttl: ttl.trim() } : {}
            const r =
              kind === 'csr'
                ? await ok(client.POST('/certs/csr', { body: { thing_id: thing, csr, ...t } }))
                : await ok(
                    client.POST('/certs', {
                      body: {
                        thing_id: thing,
                        key_type: kind,
                        ...(bits ? { key_bits: Number(bits) } : {}),
                        ...t,
                      },
                    })
                  )
            setIssued({
              thing_id: r.thing_id,
              cert: r.cert,
              cert_key: r.cert_key,
              serial: r.serial,
              expire: r.expire,
              ca_cert: r.ca_cert,
            })
            setTick((n) => n + 1)
          })
        }}
      >
        <h2>Issue a certificate</h2>
        <Select
          label='Key'
          value={kind}
          onValue={setKind}
          options={[
            ['ec', 'EC (default)'],
            ['rsa', 'RSA'],
            ['csr', 'Pasted CSR'],
          ]}
        />
        {kind !== 'csr' && (
          <Field
            label='Key bits'
            type='number'
            value={bits}
            onValue={setBits}
            hint='Empty: the default (EC 256, RSA 2048)'
          />
        )}
        {kind === 'csr' && <TextArea label='CSR (PEM)' value={csr} onValue={setCsr} rows={5} />}
        <Field
          label='Valid for (TTL)'
          value={ttl}
          onValue={setTtl}
          hint='e.g. 2160h; empty: the default'
        />
        <ErrorBox error={issue.error} />
        <button type='submit' disabled={issue.busy}>
          Issue certificate
        </button>
      </form>
      {issued && (
        <section class='panel' aria-labelledby='issued-heading'>
          <h2 id='issued-heading'>Issued certificate {issued.serial}</h2>
          <p role='alert' class='warning'>
            {issued.cert_key
              ? 'The private key is not stored by Fluxgate: download it now, it will not be shown again.'
              : 'Your CSR kept the private key with you; only the certificate is issued.'}
          </p>
          <p>Expires {when(issued.expire)}.</p>
          <Secret label='Certificate' value={issued.cert} file={`${issued.serial}.crt.pem`} />
          {issued.cert_key && (
            <Secret label='Private key' value={issued.cert_key} file={`${issued.serial}.key.pem`} />
          )}
        </section>
      )}
      <h2>Certificates of the thing</h2>
      <ErrorBox error={list.error ?? revoke.error} />
      {!thing && <p>Choose a thing to see its certificates.</p>}
      {list.data && (
        <>
          <div class='scroll' tabIndex={0} role='region' aria-label='Certificates table'>
            <table>
              <caption>Certificates ({list.data.total})</caption>
              <thead>
                <tr>
                  <th scope='col'>Serial</th>
                  <th scope='col'>Key</th>
                  <th scope='col'>Expires</th>
                  <th scope='col'>Revoked</th>
                  <th scope='col'>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.certs.length === 0 && (
                  <tr>
                    <td colSpan={5}>No certificates.</td>
                  </tr>
                )}
                {list.data.certs.map((c) => (
                  <tr key={c.serial}>
                    <td class='mono'>{c.serial}</td>
                    <td>
                      {c.key_type} {c.key_bits}
                    </td>
                    <td>{when(c.expire)}</td>
                    <td>{c.revoked_at ? when(c.revoked_at) : 'no'}</td>
                    <td>
                      {!c.revoked_at && (
                        <ConfirmButton
                          label='Revoke'
                          confirmLabel='Confirm revoke'
                          question={`Revoke certificate ${c.serial}?`}
                          onConfirm={() =>
                            revoke.run(async () => {
                              await ok(
                                client.DELETE('/certs/{id}', { params: { path: { id: c.serial } } })
                              )
                              setTick((n) => n + 1)
                            })
                          }
                        />
                      )}
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
            label='Certificates'
          />
          <ConfirmButton
            label='Revoke all certificates'
            confirmLabel='Confirm revoke all'
            question='Revoke every certificate of this thing?'
            disabled={list.data.total === 0}
            onConfirm={() =>
              revoke.run(async () => {
                await ok(client.DELETE('/certs/revoke', { body: { thing_id: thing } }))
                setTick((n) => n + 1)
              })
            }
          />
        </>
      )}
      <h2>CA and revocation list</h2>
      <ErrorBox error={files.error} />
      <div class='row'>
        <button
          type='button'
          disabled={files.busy}
          onClick={() =>
            files.run(async () =>
              download('fluxgate-ca.pem', await ok(client.GET('/certs/ca', { parseAs: 'text' })))
            )
          }
        >
          Download CA certificate
        </button>
        <button
          type='button'
          disabled={files.busy}
          onClick={() =>
            files.run(async () =>
              download(
                'fluxgate.crl.pem',
                await ok(
                  client.GET('/certs/crl', {
                    params: { query: { format: 'pem' } },
                    parseAs: 'text',
                  })
                )
              )
            )
          }
        >
          Download CRL (PEM)
        </button>
      </div>
      {revoke.busy && <Notice>Revoking…</Notice>}
    </section>
  )
}
