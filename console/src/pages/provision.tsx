import { useState } from 'preact/hooks'
import { client, ok } from '../api'
import type { paths } from '../../../docs/openapi'
import { ErrorBox, Field, Notice, Secret, Select, useAction } from '../ui'

type Answers = paths['/mapping']['post']['responses']
/** The dry run's answer (200) and the provisioned result (201). */
type Dry = Answers[200]['content']['application/json']
type Result = Answers[201]['content']['application/json']

type Req = { external_id: string; external_key: string; name?: string }

// Layouts shipped in layouts/*.toml; '' is the configured default (MF_PROVISION_LAYOUT).
const LAYOUTS: [string, string][] = [
  ['', 'Configured default'],
  ['default', 'default'],
  ['x509', 'x509'],
  ['agent-export', 'agent-export'],
]

export function ProvisionPage() {
  const [layout, setLayout] = useState('')
  const [externalId, setExternalId] = useState('')
  const [externalKey, setExternalKey] = useState('')
  const [name, setName] = useState('')
  const preview = useAction()
  const apply = useAction()
  const [dry, setDry] = useState<Dry | null>(null)
  const [result, setResult] = useState<Result | null>(null)
  const req = (): Req => ({
    external_id: externalId.trim(),
    external_key: externalKey,
    ...(name.trim() ? { name: name.trim() } : {}),
  })
  const query = () => (layout ? { layout } : {})
  async function dryRun() {
    return (await ok(
      client.POST('/mapping', { params: { query: { ...query(), dry_run: true } }, body: req() })
    )) as Dry
  }
  async function provision() {
    // One Idempotency-Key per apply: a retried request after a network error gets the same answer.
    return (await ok(
      client.POST('/mapping', {
        params: { query: query(), header: { 'idempotency-key': crypto.randomUUID() } },
        body: req(),
      })
    )) as Result
  }
  const edited = (f: (v: string) => void) => (v: string) => {
    f(v)
    setDry(null)
  }
  return (
    <section>
      <h1>Provision a gateway</h1>
      <form
        aria-label='Provision'
        onSubmit={(e) => {
          e.preventDefault()
          setResult(null)
          preview.run(async () => setDry(await dryRun()))
        }}
      >
        <Select label='Layout' value={layout} onValue={edited(setLayout)} options={LAYOUTS} />
        <Field label='External id' required value={externalId} onValue={edited(setExternalId)} />
        <Field
          label='External key'
          required
          value={externalKey}
          onValue={edited(setExternalKey)}
          autoComplete='off'
        />
        <Field label='Gateway name' value={name} onValue={edited(setName)} />
        <ErrorBox error={preview.error} />
        <button type='submit' disabled={preview.busy}>
          Preview (dry run)
        </button>
      </form>
      {dry && (
        <section class='panel' aria-labelledby='preview-heading'>
          <h2 id='preview-heading'>Preview: what will be created</h2>
          <p>
            Layout <strong>{dry.layout}</strong>; the gateway config starts{' '}
            {dry.whitelisted ? 'whitelisted (active)' : 'blacklisted (inactive)'}.
          </p>
          <h3>Things</h3>
          <ul>
            {dry.things.map((t) => (
              <li key={t.ref}>
                {t.name ?? t.ref}
                {t.gateway ? ' (the gateway)' : ''}
              </li>
            ))}
          </ul>
          <h3>Channels</h3>
          <ul>
            {dry.channels.map((c) => (
              <li key={c.ref}>
                {c.name}
                {c.type ? ` (${c.type})` : ''}
              </li>
            ))}
          </ul>
          <h3>Connections</h3>
          <ul>
            {dry.connections.map((c) => (
              <li key={`${c.thing}-${c.channel}`}>
                {c.thing} → {c.channel}
              </li>
            ))}
          </ul>
          <h3>Certificates</h3>
          <p>
            {dry.certs && dry.certs.things.length
              ? `${dry.certs.things.length} (${dry.certs.key_type} ${dry.certs.key_bits}, valid ${dry.certs.ttl}) for ${dry.certs.things.join(', ')}`
              : 'None'}
          </p>
          <ErrorBox error={apply.error} />
          <button
            type='button'
            disabled={apply.busy}
            onClick={() =>
              apply.run(async () => {
                setResult(await provision())
                setDry(null)
              })
            }
          >
            Apply
          </button>
        </section>
      )}
      {result && (
        <section class='panel' aria-labelledby='result-heading'>
          <h2 id='result-heading'>Provisioned</h2>
          <p role='alert' class='warning'>
            Credentials, certificates and private keys are shown once: copy or download them now,
            they will not be shown again.
          </p>
          <Secret
            label='Things and keys'
            value={JSON.stringify(result.things, null, 2)}
            file={`${externalId}-things.json`}
          />
          <Notice>
            Channels: {result.channels.map((c) => c.name ?? c.id).join(', ') || 'none'}
          </Notice>
          {result.client_cert && Object.keys(result.client_cert).length > 0 && (
            <Secret
              label='Client certificate'
              value={Object.values(result.client_cert).join('\n')}
              file={`${externalId}-cert.pem`}
            />
          )}
          {result.client_key && Object.keys(result.client_key).length > 0 && (
            <Secret
              label='Private key'
              value={Object.values(result.client_key).join('\n')}
              file={`${externalId}-key.pem`}
            />
          )}
          {result.ca_cert && (
            <Secret label='CA certificate' value={result.ca_cert} file='fluxgate-ca.pem' />
          )}
        </section>
      )}
    </section>
  )
}
