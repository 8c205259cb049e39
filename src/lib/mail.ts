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
      console.log(`[mail] to=#${to} subject="${mail.subject}" (recipient hashed; body withheld: it holds a secret link)`)
    },
  }
}

const memoryMailer: Mailer = {
  async send(mail) {
    outbox.push(mail)
  },
}

export function createMailer(env: Bindings, config: Config): Mailer {
  const transport = config.MF_MAIL_TRANSPORT ?? (env.SEND_EMAIL ? 'send_email' : 'log')
  if (transport === 'memory') return memoryMailer
  if (transport === 'send_email' && env.SEND_EMAIL) return bindingMailer(env.SEND_EMAIL, config.MF_EMAIL_FROM)
  return logMailer(config.MF_AUTH_SECRET)
}
