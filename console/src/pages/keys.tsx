import { useState } from 'preact/hooks'
import { client, ok } from '../api'
import {
  ConfirmButton,
  ErrorBox,
  Field,
  Notice,
  Pager,
  Secret,
  useAction,
  useLoad,
  when,
} from '../ui'

const LIMIT = 10

export function KeysPage() {
  const [offset, setOffset] = useState(0)
  const list = useLoad(
    () => ok(client.GET('/keys', { params: { query: { offset, limit: LIMIT } } })),
    [offset]
  )
  const [days, setDays] = useState('30')
  const [secret, setSecret] = useState<{ id: string; value: string; expires_at?: string } | null>(
    null
  )
  const create = useAction()
  const revoke = useAction()
  return (
    <section>
      <h1>API keys</h1>
      <form
        aria-label='Create API key'
        onSubmit={(e) => {
          e.preventDefault()
          create.run(async () => {
            const n = Number(days)
            if (days.trim() && (!Number.isFinite(n) || n < 0))
              throw new Error('Expiry must be a number of days (0 or empty: never)')
            const body =
              n > 0 ? { type: 2 as const, duration: Math.round(n * 86400) } : { type: 2 as const }
            setSecret(await ok(client.POST('/keys', { body })))
            list.reload()
          })
        }}
      >
        <h2>Create an API key</h2>
        <Field
          label='Expires after (days)'
          type='number'
          min='0'
          step='1'
          value={days}
          onValue={setDays}
          hint='0 or empty: the key never expires'
        />
        <ErrorBox error={create.error} />
        <button type='submit' disabled={create.busy}>
          Create API key
        </button>
      </form>
      {secret && (
        <div class='panel'>
          <p role='alert' class='warning'>
            Copy this key now: it will not be shown again.
          </p>
          <Secret
            label='API key secret'
            value={secret.value}
            file={`fluxgate-api-key-${secret.id}.txt`}
          />
          <p>
            Id <span class='mono'>{secret.id}</span>, expires{' '}
            {secret.expires_at ? when(secret.expires_at) : 'never'}.
          </p>
          <button type='button' onClick={() => setSecret(null)}>
            Hide key
          </button>
        </div>
      )}
      <ErrorBox error={list.error ?? revoke.error} />
      {list.data && (
        <>
          <div class='scroll' tabIndex={0} role='region' aria-label='API keys table'>
            <table>
              <caption>API keys ({list.data.total})</caption>
              <thead>
                <tr>
                  <th scope='col'>Id</th>
                  <th scope='col'>Issued</th>
                  <th scope='col'>Expires</th>
                  <th scope='col'>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.keys.length === 0 && (
                  <tr>
                    <td colSpan={4}>No API keys.</td>
                  </tr>
                )}
                {list.data.keys.map((k) => (
                  <tr key={k.id}>
                    <td class='mono'>{k.id}</td>
                    <td>{when(k.issued_at)}</td>
                    <td>{k.expires_at ? when(k.expires_at) : 'never'}</td>
                    <td>
                      <ConfirmButton
                        label='Revoke'
                        confirmLabel='Confirm revoke'
                        question={`Revoke key ${k.id}?`}
                        onConfirm={() =>
                          revoke.run(async () => {
                            await ok(
                              client.DELETE('/keys/{id}', { params: { path: { id: k.id } } })
                            )
                            list.reload()
                          })
                        }
                      />
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
            label='API keys'
          />
        </>
      )}
      {revoke.busy && <Notice>Revoking…</Notice>}
    </section>
  )
}
