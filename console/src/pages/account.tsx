import { useEffect, useState } from 'preact/hooks'
import { asMetadata, client, ok, session } from '../api'
import { BASE, linkClick, navigate } from '../router'
import {
  ErrorBox,
  Field,
  JsonEditor,
  Notice,
  parseJsonObject,
  pretty,
  useAction,
  useLoad,
} from '../ui'

function nextPath() {
  const next = new URLSearchParams(location.search).get('next')
  // Only console paths: never an absolute URL from the query.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/'
}

async function signIn(email: string, password: string) {
  const { token } = await ok(client.POST('/tokens', { body: { email, password } }))
  session.set(token)
}

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useAction()
  const reason = new URLSearchParams(location.search).get('reason')
  return (
    <section>
      <h1>Sign in</h1>
      {reason === 'expired' && (
        <Notice>Your session has expired. Sign in again to continue where you were.</Notice>
      )}
      {reason === 'signedout' && <Notice>You are signed out.</Notice>}
      {reason === 'reset' && <Notice>Your password was changed. Sign in with the new one.</Notice>}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          run(async () => {
            await signIn(email, password)
            onSignedIn()
            navigate(nextPath(), true)
          })
        }}
      >
        <Field
          label='Email'
          type='email'
          autoComplete='username'
          required
          value={email}
          onValue={setEmail}
        />
        <Field
          label='Password'
          type='password'
          autoComplete='current-password'
          required
          value={password}
          onValue={setPassword}
        />
        <ErrorBox error={error} />
        <button type='submit' disabled={busy}>
          Sign in
        </button>
      </form>
      <p>
        <a href={`${BASE}/signup`} onClick={linkClick}>
          Create an account
        </a>{' '}
        ·{' '}
        <a href={`${BASE}/forgot`} onClick={linkClick}>
          Forgot your password?
        </a>
      </p>
    </section>
  )
}

export function SignUpPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, run } = useAction()
  return (
    <section>
      <h1>Create an account</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          run(async () => {
            await ok(client.POST('/users', { body: { email, password } }))
            await signIn(email, password)
            onSignedIn()
            navigate('/', true)
          })
        }}
      >
        <Field
          label='Email'
          type='email'
          autoComplete='username'
          required
          value={email}
          onValue={setEmail}
        />
        <Field
          label='Password'
          type='password'
          autoComplete='new-password'
          required
          value={password}
          onValue={setPassword}
        />
        <ErrorBox error={error} />
        <button type='submit' disabled={busy}>
          Create account
        </button>
      </form>
      <p>
        <a href={`${BASE}/signin`} onClick={linkClick}>
          Sign in instead
        </a>
      </p>
    </section>
  )
}

export function ForgotPage() {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState('')
  const { busy, error, run } = useAction()
  return (
    <section>
      <h1>Reset your password</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          run(async () => {
            const r = await ok(client.POST('/password/reset-request', { body: { email } }))
            setSent(r.msg)
          })
        }}
      >
        <Field
          label='Email'
          type='email'
          autoComplete='username'
          required
          value={email}
          onValue={setEmail}
        />
        <ErrorBox error={error} />
        {sent && <Notice>{sent}. Open the link in the mail to choose a new password.</Notice>}
        <button type='submit' disabled={busy}>
          Send reset link
        </button>
      </form>
      <p>
        <a href={`${BASE}/signin`} onClick={linkClick}>
          Back to sign in
        </a>
      </p>
    </section>
  )
}

/** The mailed link is /console/reset#token=...: the token is read from the fragment, then removed from the address bar. */
export function ResetPage() {
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '')
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const { busy, error, setError, run } = useAction()
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname)
  }, [])
  return (
    <section>
      <h1>Choose a new password</h1>
      {!token ? (
        <p role='alert' class='error'>
          This page needs the link from the reset mail (it carries the reset token).{' '}
          <a href={`${BASE}/forgot`} onClick={linkClick}>
            Request a new link
          </a>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault()
            if (password !== confirm) return setError(new Error('The two passwords differ'))
            run(async () => {
              await ok(
                client.PUT('/password/reset', {
                  body: { token, password, confirm_password: confirm },
                })
              )
              session.clear()
              navigate('/signin?reason=reset', true)
            })
          }}
        >
          <Field
            label='New password'
            type='password'
            autoComplete='new-password'
            required
            value={password}
            onValue={setPassword}
          />
          <Field
            label='Confirm new password'
            type='password'
            autoComplete='new-password'
            required
            value={confirm}
            onValue={setConfirm}
          />
          <ErrorBox error={error} />
          <button type='submit' disabled={busy}>
            Set new password
          </button>
        </form>
      )}
    </section>
  )
}

export function AccountPage() {
  const profile = useLoad(() => ok(client.GET('/users/profile')), [])
  const [meta, setMeta] = useState<string | null>(null)
  const save = useAction()
  const [saved, setSaved] = useState(false)
  const [oldPw, setOldPw] = useState('')
  const [newPw, setNewPw] = useState('')
  const pw = useAction()
  const [pwDone, setPwDone] = useState(false)
  const all = useAction()
  const metaText = meta ?? pretty(profile.data?.metadata)
  return (
    <section>
      <h1>Account</h1>
      <ErrorBox error={profile.error} />
      {profile.data && (
        <dl>
          <dt>Email</dt>
          <dd>{profile.data.email}</dd>
          <dt>User id</dt>
          <dd class='mono'>{profile.data.id}</dd>
        </dl>
      )}
      <h2>Profile metadata</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          setSaved(false)
          save.run(async () => {
            const metadata = parseJsonObject(metaText)
            await ok(client.PUT('/users', { body: { metadata: asMetadata(metadata)! } }))
            setSaved(true)
            setMeta(null)
            profile.reload()
          })
        }}
      >
        <JsonEditor label='Profile metadata (JSON)' value={metaText} onValue={setMeta} />
        <ErrorBox error={save.error} />
        {saved && <Notice>Profile saved.</Notice>}
        <button type='submit' disabled={save.busy}>
          Save profile
        </button>
      </form>
      <h2>Change password</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          setPwDone(false)
          pw.run(async () => {
            await ok(client.PATCH('/password', { body: { old_password: oldPw, password: newPw } }))
            setPwDone(true)
            setOldPw('')
            setNewPw('')
          })
        }}
      >
        <Field
          label='Current password'
          type='password'
          autoComplete='current-password'
          required
          value={oldPw}
          onValue={setOldPw}
        />
        <Field
          label='New password'
          type='password'
          autoComplete='new-password'
          required
          value={newPw}
          onValue={setNewPw}
        />
        <ErrorBox error={pw.error} />
        {pwDone && <Notice>Password changed.</Notice>}
        <button type='submit' disabled={pw.busy}>
          Change password
        </button>
      </form>
      <h2>Sessions</h2>
      <p>Sign out ends this session (POST /tokens/revoke). To end every session of this account:</p>
      <ErrorBox error={all.error} />
      <button
        type='button'
        disabled={all.busy}
        onClick={() =>
          all.run(async () => {
            await ok(client.POST('/tokens/revoke', { body: { all: true } }))
            session.clear()
            navigate('/signin?reason=signedout', true)
          })
        }
      >
        Sign out everywhere
      </button>
    </section>
  )
}
