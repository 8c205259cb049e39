import { LIMITS } from './limits'

/** What MF_CERTS_CN names as the subject CN of a thing's certificates. */
export type CnSource = 'thing_key' | 'thing_id'

const VISIBLE_ASCII = /^[\x21-\x7e]+$/

/**
 * Why a new thing key (created or rotated) is refused, or undefined when it is fine. A key is
 * 1 to 4,096 visible ASCII characters (`!` to `~`): no space, control or other invisible
 * character, because keys travel in `Authorization` headers (bytes, not Unicode), MQTT passwords
 * and, with `MF_CERTS_CN=thing_key`, certificate subjects, where they are also at most 64
 * characters (RFC 5280's ub-common-name). Generated keys are UUIDs. Keys stored before this rule
 * (or imported) are not checked again: they keep working for identify and the broker.
 */
export function newKeyProblem(key: string, cn: CnSource): string | undefined {
  if (!VISIBLE_ASCII.test(key)) {
    return 'key must be visible ASCII characters (! to ~): no spaces, control or non-ASCII characters'
  }
  if (key.length > LIMITS.keyMax) return `key must be at most ${LIMITS.keyMax} characters`
  if (cn === 'thing_key' && key.length > LIMITS.keyCnMax) {
    return `key must be at most ${LIMITS.keyCnMax} characters while MF_CERTS_CN=thing_key (it is the CN of the thing's certificates)`
  }
  return undefined
}

/**
 * Why a thing's current key cannot be the CN of a new certificate, with the way out; undefined
 * when it can (always, with `MF_CERTS_CN=thing_id`). Keys from before `newKeyProblem` may break it.
 */
export function keyAsCnProblem(key: string, cn: CnSource): string | undefined {
  if (cn !== 'thing_key') return undefined
  const problem = newKeyProblem(key, cn)
  if (!problem) return undefined
  return (
    `this thing's key cannot be the subject CN of a certificate (MF_CERTS_CN=thing_key): ${problem}. ` +
    'Give the thing a new key with PATCH /things/{id}/key, or set MF_CERTS_CN=thing_id'
  )
}
