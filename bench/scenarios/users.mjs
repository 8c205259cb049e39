// Users and tokens (issue 2). Login is dominated by PBKDF2 (100,000 iterations); the three POST
// /tokens entries side by side show that success and both failures cost the same, so timing does
// not tell whether an address has an account.
//
// Logins are throttled (README: Security): per client address (30 a minute), so each request
// comes from its own CF-Connecting-IP, as a crowd of users would; and per account after failures,
// so the wrong-password row spreads its guesses over enough accounts to stay under the lock, and a
// row of its own measures the refusal of a locked account.
import { clientIp } from '../lib/context.mjs'

const login = (email, password, i) => ({
  method: 'POST',
  path: '/tokens',
  headers: { 'cf-connecting-ip': clientIp(i) },
  body: { email, password },
})

/** Accounts the wrong-password row cycles through: fewer than 20 failures each in a full run. */
const WRONG_ACCOUNTS = 64

/** Registers accounts without logging in (a login per account is PBKDF2 we do not need). */
async function accounts(ctx, n) {
  const run = ctx.uid()
  const emails = []
  for (let i = 0; i < n; i++) {
    const email = `bench-wrong-${run}-${i}@example.com`
    await ctx.call(201, 'POST', '/users', { json: { email, password: 'correct-horse-battery' } })
    emails.push(email)
  }
  return emails
}

/** @type {import('../lib/types').Scenario[]} */
export default [
  {
    name: 'POST /tokens',
    seed: (ctx) => ctx.newUser(),
    perRequest: true,
    request: (user, i) => login(user.email, user.password, i),
    expectStatus: 201,
  },
  {
    name: 'POST /tokens (wrong password)',
    seed: (ctx) => accounts(ctx, WRONG_ACCOUNTS),
    perRequest: true,
    request: (emails, i) => login(emails[i % emails.length], 'not-the-password', i),
    expectStatus: 401,
  },
  {
    name: 'POST /tokens (unknown email)',
    seed: (ctx) => ({ run: ctx.uid() }),
    // A different unknown address every time, as an enumeration attempt would send.
    perRequest: true,
    request: (s, i) => login(`nobody-${s.run}-${i}@example.com`, 'correct-horse-battery', i),
    expectStatus: 401,
  },
  {
    name: 'POST /tokens (locked account)',
    // 20 failures from 20 addresses lock the account for a minute: every request is refused
    // before its password is checked (no PBKDF2), whatever address it comes from.
    async seed(ctx) {
      const [email] = await accounts(ctx, 1)
      for (let i = 0; i < 20; i++)
        await ctx.call(401, 'POST', '/tokens', { json: { email, password: `guess-${i}` } })
      return { email }
    },
    perRequest: true,
    request: (s, i) => login(s.email, 'correct-horse-battery', i),
    expectStatus: 429,
  },
  {
    // The app's own overhead (routing, CORS, body limit, JSON) without auth or storage.
    name: 'GET /health',
    request: () => ({ path: '/health' }),
    expectStatus: 200,
  },
  {
    // Answered from the login token after its session check: one bulk KV read of the user's
    // session marker and entry (src/users/sessions.ts) on a hit, no D1. The seed's first two
    // requests create the marker and then the entry; the reference row reads the same two keys.
    name: 'GET /users/profile',
    async seed(ctx) {
      const user = await ctx.newUser()
      for (let i = 0; i < 2; i++) {
        await ctx.call(200, 'GET', '/users/profile', { token: user.token })
        // The fills run after the answer (waitUntil).
        await new Promise((r) => setTimeout(r, 200))
      }
      return user
    },
    request: (user) => ({
      method: 'GET',
      path: '/users/profile',
      headers: { authorization: `Bearer ${user.token}` },
    }),
    expectStatus: 200,
    reference: (user) =>
      `/kv-bulk?k=${encodeURIComponent(`sm:${user.id}`)}&k=${encodeURIComponent(`ss:${user.id}`)}`,
    referenceHits: 2,
  },
]
