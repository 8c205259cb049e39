import { z } from '@hono/zod-openapi'
import { userGuard } from '../auth'
import { createDb } from '../db/client'
import { deps } from '../lib/context'
import { createMailer } from '../lib/mail'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  locationHeader,
  newRouter,
  publicRoute,
} from '../lib/openapi'
import {
  changePasswordReq,
  createUserReq,
  loginReq,
  resetReq,
  resetRequestReq,
  signOutReq,
  tokenRes,
  updateUserReq,
  userIdParam,
  profileRes,
  userRes,
  usersPageQuery,
  usersPageRes,
} from './schema'
import { makeThrottles } from '../throttle'
import { clientAddress, rateCap } from '../throttle/middleware'
import { makeProfiles } from './profiles'
import { makeUsersService } from './service'

export const users = newRouter()

// The users service holds no request state, so it is built once per env object (per isolate):
// building it and its mailer on every request cost about a tenth of a hot route's throughput in
// the bench. It is bound to the plain binding (the primary, no session): its routes check and
// change credentials. The profile routes follow the request's D1 session (./profiles).
const services = new WeakMap<object, ReturnType<typeof makeUsersService>>()
const service = (c: Parameters<typeof deps>[0]) => {
  let s = services.get(c.env)
  if (!s) {
    const d = deps(c)
    s = makeUsersService({
      db: createDb(d.env.DB),
      config: d.config,
      env: d.env,
      mailer: createMailer(d.env, d.config),
      throttles: makeThrottles(d.env, d.config),
    })
    services.set(c.env, s)
  }
  return s
}

const profiles = (c: Parameters<typeof deps>[0]) => makeProfiles(deps(c))

const emptyObject = z.object({}).openapi('Empty')

users.openapi(
  defineRoute({
    method: 'post',
    path: '/users',
    tags: ['users'],
    summary: 'Register a user',
    guard: publicRoute,
    limit: rateCap('RATE_SIGNUP'),
    json: true,
    request: { body: jsonBody(createUserReq) },
    responses: {
      201: { description: 'Created', headers: locationHeader },
      ...errorResponses(400, 409, 413, 415, 429),
    },
  }),
  async (c) => {
    const id = await service(c).register(c.req.valid('json'))
    c.header('Location', `/users/${id}`)
    return c.body(null, 201)
  }
)

users.openapi(
  defineRoute({
    method: 'post',
    path: '/tokens',
    tags: ['users'],
    summary: 'Log in: exchange e-mail and password for a token',
    description:
      'Throttled per client address, and per e-mail address after failures (429 with ' +
      'Retry-After, the right password included); see the README, Security.',
    guard: publicRoute,
    limit: rateCap('RATE_LOGIN'),
    json: true,
    request: { body: jsonBody(loginReq) },
    responses: {
      201: jsonContent(tokenRes, 'A login token'),
      ...errorResponses(400, 401, 415, 429, 503),
    },
  }),
  async (c) => {
    const { email, password } = c.req.valid('json')
    return c.json({ token: await service(c).login(email, password, clientAddress(c)) }, 201)
  }
)

users.openapi(
  defineRoute({
    method: 'post',
    path: '/tokens/revoke',
    tags: ['users'],
    summary:
      'Sign out: end the presented login token, or with {"all": true} every login token of the account',
    description:
      'Effective on the next request in this location, and within the session cache TTL everywhere. ' +
      'The body is optional. API keys are not sessions (403): revoke them with DELETE /keys/{id}.',
    guard: userGuard,
    json: true,
    request: { body: { ...jsonBody(signOutReq), required: false } },
    responses: {
      204: { description: 'Signed out' },
      ...errorResponses(400, 401, 403, 404, 415, 503),
    },
  }),
  async (c) => {
    const body = c.req.valid('json') as { all?: boolean } | undefined
    await service(c).signOut(c.var.identity, body?.all === true)
    return c.body(null, 204)
  }
)

users.openapi(
  defineRoute({
    method: 'get',
    path: '/users/profile',
    tags: ['users'],
    summary: "The caller's profile",
    guard: userGuard,
    d1: 'read',
    responses: { 200: jsonContent(profileRes, 'The profile'), ...errorResponses(401) },
  }),
  async (c) => c.json(await profiles(c).viewProfile(c.var.identity), 200)
)

users.openapi(
  defineRoute({
    method: 'get',
    path: '/users/{id}',
    tags: ['users'],
    summary: 'A user: your own account, or any for the admin',
    guard: userGuard,
    d1: 'read',
    request: { params: userIdParam },
    responses: { 200: jsonContent(userRes, 'The user'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await profiles(c).viewUser(c.var.identity, c.req.valid('param').id), 200)
)

users.openapi(
  defineRoute({
    method: 'get',
    path: '/users',
    tags: ['users'],
    summary: 'List users (all for the admin, only yourself otherwise)',
    guard: userGuard,
    d1: 'read',
    request: { query: usersPageQuery },
    responses: { 200: jsonContent(usersPageRes, 'A page of users'), ...errorResponses(400, 401) },
  }),
  async (c) => c.json(await profiles(c).listUsers(c.var.identity, c.req.valid('query')), 200)
)

users.openapi(
  defineRoute({
    method: 'put',
    path: '/users',
    tags: ['users'],
    summary: "Replace the caller's metadata",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(updateUserReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 415) },
  }),
  async (c) => {
    await profiles(c).updateUser(c.var.identity, c.req.valid('json').metadata)
    return c.body(null, 200)
  }
)

users.openapi(
  defineRoute({
    method: 'patch',
    path: '/password',
    tags: ['users'],
    summary: "Change the caller's password",
    guard: userGuard,
    json: true,
    request: { body: jsonBody(changePasswordReq) },
    responses: {
      201: jsonContent(emptyObject, 'Changed; every login token of the account has ended'),
      ...errorResponses(400, 401, 403, 415, 503),
    },
  }),
  async (c) => {
    const { old_password, password } = c.req.valid('json')
    await service(c).changePassword(c.var.identity, old_password, password)
    return c.json({}, 201)
  }
)

users.openapi(
  defineRoute({
    method: 'post',
    path: '/password/reset-request',
    tags: ['users'],
    summary: 'Mail a password reset link (same answer whether or not the address is known)',
    description:
      'At most a few mails per address per hour; the answer is the same whether one was sent.',
    guard: publicRoute,
    limit: rateCap('RATE_RESET'),
    json: true,
    request: { body: jsonBody(resetRequestReq) },
    responses: {
      201: jsonContent(z.object({ msg: z.string() }).openapi('ResetRequested'), 'Accepted'),
      ...errorResponses(400, 415, 429),
    },
  }),
  async (c) => {
    const { email } = c.req.valid('json')
    const d = deps(c)
    // After the answer: its content and timing are the same for known and unknown addresses.
    d.waitUntil(
      service(c)
        .requestReset(email)
        .catch((e) => {
          // A transport's message may quote the recipient; the log keeps no address.
          const message = e instanceof Error ? e.message : String(e)
          console.error('password reset mail failed:', message.replaceAll(email, '<recipient>'))
        })
    )
    return c.json({ msg: 'Email with reset link is sent' }, 201)
  }
)

users.openapi(
  defineRoute({
    method: 'put',
    path: '/password/reset',
    tags: ['users'],
    summary: 'Set a new password with a recovery token',
    guard: publicRoute,
    json: true,
    request: { body: jsonBody(resetReq) },
    responses: {
      201: jsonContent(
        emptyObject,
        'Changed; every login token (and on request every API key) has ended'
      ),
      ...errorResponses(400, 401, 415, 503),
    },
  }),
  async (c) => {
    const { token, password, confirm_password, revoke_keys } = c.req.valid('json')
    await service(c).resetPassword(token, password, confirm_password, revoke_keys === true)
    return c.json({}, 201)
  }
)
