import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { nonNegativeInt } from '../args'
import type { Cert, CertsPage, IssuedCert, Revocation } from '../api'
import { clientFor } from '../context'
import { usage } from '../errors'
import { privateDir, writePrivate } from '../files'
import { type Column, printList, printRecord, say } from '../output'

type Issued = IssuedCert

export function register(program: Command): void {
  const group = program.command('certs').description('X.509 client certificates of things')
  group
    .command('issue')
    .description(
      'issue a certificate for a thing (EC or RSA key made by the server, or your CSR) and write the PEM files'
    )
    .argument('<thing-id>')
    .addOption(
      new Option('--key-type <type>', 'key made by the server').choices(['ec', 'rsa', 'ed25519'])
    )
    .option('--key-bits <n>', 'RSA 2048/3072/4096, EC 256/384/521', nonNegativeInt('--key-bits'))
    .option('--csr <file>', 'a PKCS#10 request in PEM: the private key stays with you')
    .option('--ttl <duration>', 'validity, e.g. 8760h (server default when absent)')
    .option('--out <dir>', 'folder for cert.pem, key.pem and ca.pem', '.')
    .action(
      async (
        thingId: string,
        o: { keyType?: string; keyBits?: number; csr?: string; ttl?: string; out: string },
        cmd: Command
      ) => {
        if (o.csr && (o.keyType || o.keyBits))
          throw usage('--csr cannot be combined with --key-type or --key-bits')
        const { client, g } = clientFor(cmd)
        let issued: Issued
        if (o.csr) {
          let csr: string
          try {
            csr = readFileSync(o.csr, 'utf8')
          } catch (e) {
            throw usage(`cannot read ${o.csr}: ${(e as NodeJS.ErrnoException).code}`)
          }
          issued = await client.post<Issued>('/certs/csr', { thing_id: thingId, csr, ttl: o.ttl })
        } else {
          issued = await client.post<Issued>('/certs', {
            thing_id: thingId,
            key_type: o.keyType,
            key_bits: o.keyBits,
            ttl: o.ttl,
          })
        }
        const dir = resolve(o.out)
        privateDir(dir)
        const files: Record<string, string> = {
          cert: join(dir, 'cert.pem'),
          ca: join(dir, 'ca.pem'),
        }
        writePrivate(files.cert!, issued.cert)
        writePrivate(files.ca!, issued.ca_cert)
        if (issued.cert_key) {
          files.key = join(dir, 'key.pem')
          writePrivate(files.key, issued.cert_key)
        }
        const shown = {
          thing_id: issued.thing_id,
          serial: issued.cert_serial,
          expire: issued.expire,
          ...files,
        }
        printRecord(g, g.json ? { ...shown, files } : shown, shown)
      }
    )
  const columns: Column<Cert>[] = [
    { header: 'serial', value: (c) => c.serial },
    { header: 'key', value: (c) => `${c.key_type}-${c.key_bits}` },
    { header: 'issued_at', value: (c) => c.issued_at },
    { header: 'expire', value: (c) => c.expire },
    { header: 'revoked_at', value: (c) => c.revoked_at ?? '' },
  ]
  group
    .command('list')
    .description("list a thing's certificates")
    .argument('<thing-id>')
    .option('--offset <n>', 'skip this many', nonNegativeInt('--offset'))
    .option('--limit <n>', 'page size (1-100)', nonNegativeInt('--limit'))
    .action(async (thingId: string, o: { offset?: number; limit?: number }, cmd: Command) => {
      const { client, g } = clientFor(cmd)
      const page = await client.get<CertsPage>(`/certs/${encodeURIComponent(thingId)}`, {
        query: { offset: o.offset, limit: o.limit },
      })
      printList(g, page, page.certs, columns, `${page.certs.length} of ${page.total}`)
    })
  group
    .command('revoke')
    .description("revoke one certificate by serial, or all of a thing's with --thing")
    .argument('[serial]')
    .option('--thing <id>', 'revoke every certificate of this thing')
    .action(async (serial: string | undefined, o: { thing?: string }, cmd: Command) => {
      if (!serial === !o.thing) throw usage('give a serial or --thing ID (one of them)')
      const { client, g } = clientFor(cmd)
      const res = o.thing
        ? await client.delete<Revocation>('/certs/revoke', { body: { thing_id: o.thing } })
        : await client.delete<Revocation>(`/certs/${encodeURIComponent(serial!)}`)
      if (g.json) printRecord(g, res)
      else
        say(
          g,
          `revoked ${res.serials.length} certificate(s) at ${res.revocation_time}${res.serials.length ? `: ${res.serials.join(', ')}` : ''}`
        )
    })
  group
    .command('crl')
    .description('fetch the certificate revocation list (PEM to stdout, or --out FILE)')
    .addOption(
      new Option('--format <f>', 'pem or der (der needs --out)')
        .choices(['pem', 'der'])
        .default('pem')
    )
    .option('--out <file>', 'write it to this file')
    .action(async (o: { format: string; out?: string }, cmd: Command) => {
      const { client, g } = clientFor(cmd, { auth: false })
      if (o.format === 'der' && !o.out) throw usage('--format der needs --out FILE')
      const { body: res } = await client.send<Buffer>('GET', '/certs/crl', {
        auth: false,
        query: { format: o.format },
        binary: true,
      })
      if (o.out) {
        writeFileSync(o.out, res)
        say(g, `wrote the CRL (${res.length} bytes, ${o.format}) to ${o.out}`)
      } else process.stdout.write(res)
    })
}
