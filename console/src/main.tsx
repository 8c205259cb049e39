import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { client, onSessionExpired, session } from './api'
import { AccountPage, ForgotPage, ResetPage, SignInPage, SignUpPage } from './pages/account'
import { AdminPage } from './pages/admin'
import { CertsPage } from './pages/certs'
import { DashboardPage } from './pages/dashboard'
import { ChannelsPage, ThingsPage } from './pages/entities'
import { GatewaysPage } from './pages/gateways'
import { KeysPage } from './pages/keys'
import { ProvisionPage } from './pages/provision'
import { BASE, linkClick, navigate, useRoute } from './router'
import './style.css'

const PUBLIC = new Set(['/signin', '/signup', '/forgot', '/reset'])

const NAV: [string, string][] = [
  ['/', 'Dashboard'],
  ['/things', 'Things'],
  ['/channels', 'Channels'],
  ['/gateways', 'Gateways'],
  ['/provision', 'Provision'],
  ['/certs', 'Certificates'],
  ['/keys', 'API keys'],
  ['/account', 'Account'],
]

/** Sends the user to sign in, remembering the page they were on. */
function toSignIn(reason?: string) {
  const here = location.pathname.slice(BASE.length) || '/'
  const q = new URLSearchParams()
  if (!PUBLIC.has(here)) q.set('next', here + location.search)
  if (reason) q.set('reason', reason)
  navigate(`/signin${q.size ? `?${q}` : ''}`)
}

onSessionExpired(() => toSignIn('expired'))

function App() {
  const path = useRoute()
  const [signedIn, setSignedIn] = useState(!!session.token)
  // undefined while the profile is being read.
  const [isAdmin, setIsAdmin] = useState<boolean | undefined>(undefined)
  useEffect(() => {
    setSignedIn(!!session.token)
    if (!PUBLIC.has(path) && !session.token) toSignIn()
  }, [path])
  useEffect(() => {
    setIsAdmin(undefined)
    if (!signedIn) return
    // GET /users answers every user (with only their own account), so it cannot tell the admin:
    // the profile carries `admin: true` for the configured admin account only.
    let current = true
    client.GET('/users/profile').then(
      ({ data }) => current && setIsAdmin(data?.admin === true),
      () => current && setIsAdmin(false)
    )
    return () => {
      current = false
    }
  }, [signedIn])
  useEffect(() => {
    const main = document.getElementById('main')
    main?.focus({ preventScroll: true })
  }, [path])

  async function signOut() {
    try {
      await client.POST('/tokens/revoke', { body: {} })
    } finally {
      session.clear()
      setSignedIn(false)
      navigate('/signin?reason=signedout')
    }
  }

  const nav = isAdmin ? [...NAV, ['/admin', 'Admin'] as [string, string]] : NAV
  let page
  switch (path) {
    case '/signin':
      page = <SignInPage onSignedIn={() => setSignedIn(true)} />
      break
    case '/signup':
      page = <SignUpPage onSignedIn={() => setSignedIn(true)} />
      break
    case '/forgot':
      page = <ForgotPage />
      break
    case '/reset':
      page = <ResetPage />
      break
    default:
      if (!session.token) page = null
      else if (path === '/') page = <DashboardPage />
      else if (path === '/things') page = <ThingsPage />
      else if (path === '/channels') page = <ChannelsPage />
      else if (path === '/gateways') page = <GatewaysPage />
      else if (path === '/provision') page = <ProvisionPage />
      else if (path === '/certs') page = <CertsPage />
      else if (path === '/keys') page = <KeysPage />
      else if (path === '/account') page = <AccountPage />
      else if (path === '/admin')
        page =
          isAdmin === undefined ? null : isAdmin ? (
            <AdminPage />
          ) : (
            <section>
              <h1>Admin: users</h1>
              <p role='alert'>Only the configured admin account can list users.</p>
            </section>
          )
      else
        page = (
          <section>
            <h1>Page not found</h1>
            <p>
              No console page at {path}.{' '}
              <a href={`${BASE}/`} onClick={linkClick}>
                Go to the dashboard
              </a>
            </p>
          </section>
        )
  }

  return (
    <>
      <a class='skip' href='#main'>
        Skip to content
      </a>
      <header>
        <a class='brand' href={`${BASE}/`} onClick={linkClick}>
          Fluxgate
        </a>
        {signedIn && (
          <nav aria-label='Main'>
            <ul>
              {nav.map(([to, text]) => (
                <li key={to}>
                  <a
                    href={`${BASE}${to === '/' ? '/' : to}`}
                    aria-current={path === to ? 'page' : undefined}
                    onClick={linkClick}
                  >
                    {text}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {signedIn && (
          <button type='button' class='signout' onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main id='main' tabIndex={-1}>
        {page}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
