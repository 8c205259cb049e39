// A throwaway certificate authority for `npm start` and the tests (never for production): a
// self-signed CA certificate and its PKCS#8 key, both PEM. Runs on any WebCrypto (Node, workerd).
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

const ALGORITHMS = {
  ec: {
    gen: { name: 'ECDSA', namedCurve: 'P-256' },
    sign: { name: 'ECDSA', hash: 'SHA-256' },
  },
  rsa: {
    gen: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
}

/**
 * @param {Crypto} crypto WebCrypto implementation
 * @param {{ name?: string, type?: 'ec' | 'rsa' | 'ed25519', notBefore?: Date, notAfter?: Date,
 *   isCa?: boolean, keyUsage?: number }} [opts] keyUsage: x509.KeyUsageFlags bits (tests only)
 * @returns {Promise<{ cert: string, key: string }>}
 */
export async function createCa(crypto, opts = {}) {
  x509.cryptoProvider.set(crypto)
  const alg = ALGORITHMS[opts.type ?? 'ec']
  const keys = await crypto.subtle.generateKey(alg.gen, true, ['sign', 'verify'])
  const now = Date.now()
  const serial = crypto.getRandomValues(new Uint8Array(16))
  serial[0] = serial[0] & 0x7f || 1
  const isCa = opts.isCa ?? true
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Array.from(serial, (b) => b.toString(16).padStart(2, '0')).join(''),
    name: [{ CN: [opts.name ?? 'Fluxgate dev CA'] }, { O: ['Fluxgate'] }],
    notBefore: opts.notBefore ?? new Date(now - 60_000),
    notAfter: opts.notAfter ?? new Date(now + 10 * 365 * 86_400_000),
    keys,
    signingAlgorithm: alg.sign,
    extensions: [
      new x509.BasicConstraintsExtension(isCa, isCa ? 0 : undefined, true),
      new x509.KeyUsagesExtension(
        opts.keyUsage ??
          (isCa
            ? x509.KeyUsageFlags.keyCertSign |
              x509.KeyUsageFlags.cRLSign |
              x509.KeyUsageFlags.digitalSignature
            : x509.KeyUsageFlags.digitalSignature),
        true
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey)
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') }
}
