import { useState } from 'preact/hooks'
import { client, ok } from '../api'
import { ErrorBox, Field, Pager, useLoad } from '../ui'

const LIMIT = 20

export function AdminPage() {
  const [offset, setOffset] = useState(0)
  const [email, setEmail] = useState('')
  const [q, setQ] = useState('')
  const list = useLoad(
    () =>
      ok(
        client.GET('/users', {
          params: { query: { offset, limit: LIMIT, ...(q ? { email: q } : {}) } },
        })
      ),
    [offset, q]
  )
  return (
    <section>
      <h1>Admin: users</h1>
      <form
        role='search'
        aria-label='Search users'
        onSubmit={(e) => {
          e.preventDefault()
          setOffset(0)
          setQ(email)
        }}
      >
        <Field label='Email contains' value={email} onValue={setEmail} />
        <button type='submit'>Search users</button>
      </form>
      <ErrorBox error={list.error} />
      {list.data && (
        <>
          <div class='scroll' tabIndex={0} role='region' aria-label='Users table'>
            <table>
              <caption>Users ({list.data.total})</caption>
              <thead>
                <tr>
                  <th scope='col'>Email</th>
                  <th scope='col'>Id</th>
                  <th scope='col'>Metadata</th>
                </tr>
              </thead>
              <tbody>
                {list.data.users.map((u) => (
                  <tr key={u.id}>
                    <td>{u.email}</td>
                    <td class='mono'>{u.id}</td>
                    <td class='mono'>{u.metadata ? JSON.stringify(u.metadata) : ''}</td>
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
            label='Users'
          />
        </>
      )}
    </section>
  )
}
