import { z } from '@hono/zod-openapi'
import { LIMITS } from '../lib/limits'
import { metadataObject as storedMetadata } from '../lib/metadata'
import { containsFilter, limitParam, metadataParam, offsetParam, pageOf } from '../lib/page'

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/

/**
 * Mainflux's address rules: local part at most 64 characters from the atext set with no leading,
 * trailing or doubled dots; a host of at least two labels, each 1-63 letters, digits or inner
 * hyphens (IDNA hosts in punycode form); a TLD of at most 24 characters and not all digits.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > LIMITS.emailMax) return false
  const at = email.lastIndexOf('@')
  if (at < 1) return false
  const local = email.slice(0, at)
  const host = email.slice(at + 1)
  if (local.length > 64 || !LOCAL.test(local)) return false
  if (host.length > 255) return false
  const labels = host.split('.')
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return false
  const tld = labels.at(-1)!
  return tld.length <= 24 && !/^\d+$/.test(tld)
}

const email = z
  .string()
  .trim()
  .refine(isValidEmail, 'invalid e-mail address')
  .transform((s) => s.toLowerCase())
  .openapi({ format: 'email', example: 'operator@example.com' })

const password = z
  .string()
  .min(1, 'password is required')
  .max(LIMITS.passwordMax, 'password is too long')

/** A user's metadata: the shared schema, with an example of its own in the OpenAPI document. */
const metadataObject = storedMetadata.openapi({ example: { site: 'plant-7' } })

export const createUserReq = z
  .object({ email, password, metadata: metadataObject.optional() })
  .openapi('CreateUserRequest')

export const loginReq = z
  .object({
    email: z
      .string()
      .trim()
      .min(1, 'email is required')
      .max(LIMITS.emailMax)
      .openapi({ example: 'operator@example.com' }),
    password,
  })
  .openapi('LoginRequest')

export const tokenRes = z.object({ token: z.string() }).openapi('Token')

export const userRes = z
  .object({ id: z.string().uuid(), email: z.string(), metadata: metadataObject.optional() })
  .openapi('User')

export const usersPageRes = pageOf('users', userRes, 'UsersPage')

/**
 * GET /users/profile: the user, plus `admin: true` for the account named by MF_USERS_ADMIN_EMAIL
 * (absent for everyone else; an additive field: Mainflux 0.12.1's profile has none).
 */
export const profileRes = userRes
  .extend({
    admin: z
      .literal(true)
      .optional()
      .openapi({ description: 'Present (true) only for the configured admin account' }),
  })
  .openapi('Profile')

export const usersPageQuery = z.object({
  offset: offsetParam,
  limit: limitParam,
  email: containsFilter('email', LIMITS.emailMax)
    .optional()
    .openapi({ param: { name: 'email', in: 'query' } }),
  metadata: metadataParam,
})

export const updateUserReq = z.object({ metadata: metadataObject }).openapi('UpdateUserRequest')

export const changePasswordReq = z
  .object({ old_password: password, password })
  .openapi('ChangePasswordRequest')

export const resetRequestReq = z.object({ email }).openapi('PasswordResetRequest')

export const resetReq = z
  .object({
    token: z.string().min(1, 'token is required'),
    password,
    confirm_password: password,
    revoke_keys: z.boolean({ error: 'revoke_keys must be true or false' }).optional().openapi({
      description:
        'Also revoke every API key of the account (default false: integrations keep working). Login tokens always end.',
      example: false,
    }),
  })
  .openapi('PasswordReset')

export const signOutReq = z
  .object({
    all: z.boolean({ error: 'all must be true or false' }).optional().openapi({
      description:
        'End every login token of the account, not only the presented one (default false)',
      example: false,
    }),
  })
  .openapi('SignOutRequest')

export const userIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export type CreateUserReq = z.infer<typeof createUserReq>
export type UsersPageQuery = z.infer<typeof usersPageQuery>
