import type { Bindings } from '../env'
import type { Config } from './config'
import { keyedHash } from './crypto'

export interface Mail {
  to: string
  subject: string
  text: string
}

/** Where outgoing mail goes. Sending is best effort: callers answer the same either way. */
export interface Mailer {
  send(mail: Mail): Promise<void>
}

/** Messages "sent" with MF_MAIL_TRANSPORT=memory (the test suite reads them here). */
export const outbox: Mail[] = []

/** Cloudflare Email Routing through a `send_email` binding. */
function bindingMailer(binding: SendEmail, from: string): Mailer {
  return {
    async send(mail) {
      const { EmailMessage } = await import('cloudflare:email')
      const raw = [
        `From: ${from}`,
        `To: ${mail.to}`,
        `Subject: ${mail.subject}`,
        `Message-ID: <${crypto.randomUUID()}@${from.split('@')[1] ?? 'fluxgate'}>`,
        `Date: ${new Date().toUTCString()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        mail.text,
      ].join('\r\n')
      await binding.send(new EmailMessage(from, mail.to, raw))
    },
  }
}

/**
 * Local development: says that a message was sent, with no personal data. The recipient appears
 * only as a short keyed hash (HMAC under MF_AUTH_SECRET, so a log reader cannot test guessed
 * addresses against it; whoever holds the secret can match a known address). The body is withheld:
 * it holds a secret link.
 */
function logMailer(secret: string): Mailer {
  return {
    async send(mail) {
      const to = (await keyedHash(secret, 'mail-log-recipient', mail.to.toLowerCase())).slice(0, 12)
      console.log(
        `[mail] to=#${to} subject="${mail.subject}" (recipient hashed; body withheld: it holds a secret link)`
      )
    },
  }
}

const memoryMailer: Mailer = {
  async send(mail) {
    outbox.push(mail)
  },
}

/** A message as `GET /dev/mailbox` lists it. */
export interface StoredMail extends Mail {
  at: string
}

/** How long the dev mailbox keeps a message (seconds; KV's minimum TTL is 60). */
export const DEV_MAILBOX_TTL = 600
const MAILBOX_PREFIX = 'devmail:'
/** Keys sort newest first: the time counted down from a far future, then a random suffix. */
const FAR = 9_999_999_999_999
const mailboxPrefix = (to: string) =>
  `${MAILBOX_PREFIX}${encodeURIComponent(to.trim().toLowerCase())}:`

/**
 * FLUXGATE_DEV_MAILBOX=1 (local development only, see config.ts): each message is kept in KV for
 * DEV_MAILBOX_TTL seconds, under its recipient, instead of being sent.
 */
function devMailboxMailer(kv: KVNamespace): Mailer {
  return {
    async send(mail) {
      const now = Date.now()
      const stored: StoredMail = {
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        at: new Date(now).toISOString(),
      }
      const key = `${mailboxPrefix(mail.to)}${String(FAR - now).padStart(13, '0')}:${crypto.randomUUID()}`
      await kv.put(key, JSON.stringify(stored), { expirationTtl: DEV_MAILBOX_TTL })
    },
  }
}

/** The dev mailbox's messages to `to` (case-insensitive), newest first (at most 50). */
export async function readDevMailbox(kv: KVNamespace, to: string): Promise<StoredMail[]> {
  const { keys } = await kv.list({ prefix: mailboxPrefix(to), limit: 50 })
  if (keys.length === 0) return []
  const values = await kv.get(
    keys.map((k) => k.name),
    'json'
  )
  return keys
    .map((k) => values.get(k.name) as StoredMail | null)
    .filter((m): m is StoredMail => m !== null)
}

export function createMailer(env: Bindings, config: Config): Mailer {
  if (config.FLUXGATE_DEV_MAILBOX) return devMailboxMailer(env.CACHE)
  const transport = config.MF_MAIL_TRANSPORT ?? (env.SEND_EMAIL ? 'send_email' : 'log')
  if (transport === 'memory') return memoryMailer
  if (transport === 'send_email' && env.SEND_EMAIL)
    return bindingMailer(env.SEND_EMAIL, config.MF_EMAIL_FROM)
  return logMailer(config.MF_AUTH_SECRET)
}
