// Users and tokens (issue 2). Login is dominated by PBKDF2 (100,000 iterations); the three POST
// /tokens entries side by side show that success and both failures cost the same, so timing does
// not tell whether an address has an account.

const login = (email, password) => ({
  method: 'POST',
  path: '/tokens',
  body: { email, password },
})

/** @type {import('../lib/types').Scenario[]} */
export default [
  {
    name: 'POST /tokens',
    seed: (ctx) => ctx.newUser(),
    request: (user) => login(user.email, user.password),
    expectStatus: 201,
  },
  {
    name: 'POST /tokens (wrong password)',
    seed: (ctx) => ctx.newUser(),
    request: (user) => login(user.email, `not-${user.password}`),
    expectStatus: 401,
  },
  {
    name: 'POST /tokens (unknown email)',
    seed: (ctx) => ({ run: ctx.uid() }),
    // A different unknown address every time, as an enumeration attempt would send.
    perRequest: true,
    request: (s, i) => login(`nobody-${s.run}-${i}@example.com`, 'correct-horse-battery'),
    expectStatus: 401,
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
    reference: (user) => `/kv-bulk?k=${encodeURIComponent(`sm:${user.id}`)}&k=${encodeURIComponent(`ss:${user.id}`)}`,
    referenceHits: 2,
  },
]
