// The rabbitmq.conf lines the end-to-end test runs with are the README's, so the documentation
// cannot drift from what is tested: the fenced ```ini block under "### RabbitMQ" inside
// "## Connect a broker", with only its Fluxgate origin and secret placeholder replaced.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const README_ORIGIN = 'http://localhost:8787'
export const README_SECRET = 'BROKER_SECRET'

/** The ```ini block of README.md's "## Connect a broker" → "### RabbitMQ", as written. */
export function readmeRabbitConf(root) {
  const text = readFileSync(join(root, 'README.md'), 'utf8')
  const section = /^## Connect a broker[ \t]*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(text)?.[1]
  if (!section) throw new Error('README.md has no "## Connect a broker" section')
  const sub = /^### RabbitMQ[ \t]*$([\s\S]*?)(?=^##[# ] ?|(?![\s\S]))/m.exec(section)?.[1]
  if (!sub) throw new Error('README.md "## Connect a broker" has no "### RabbitMQ" subsection')
  const block = /^```ini[ \t]*\n([\s\S]*?)^```[ \t]*$/m.exec(sub)?.[1]
  if (!block) throw new Error('README.md "### RabbitMQ" has no ```ini block')
  if (!block.includes(README_ORIGIN) || !block.includes(README_SECRET)) {
    throw new Error(
      `the README's rabbitmq.conf block must use ${README_ORIGIN} and ${README_SECRET}`
    )
  }
  return block
}

/** The README block pointed at `origin` with `secret`; nothing else is changed. */
export function rabbitConfFor(root, { origin, secret }) {
  return readmeRabbitConf(root).replaceAll(README_ORIGIN, origin).replaceAll(README_SECRET, secret)
}
