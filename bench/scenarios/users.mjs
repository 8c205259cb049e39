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
    name: 'GET /users/profile',
    seed: (ctx) => ctx.newUser(),
    request: (user) => ({
      method: 'GET',
      path: '/users/profile',
      headers: { authorization: `Bearer ${user.token}` },
    }),
    expectStatus: 200,
  },
]
