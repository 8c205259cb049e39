import type * as repo from './repo'

// The JSON answers of the certs routes.

/** A signed certificate and the D1 row that records it. */
export interface Issued {
  thingId: string
  certPem: string
  /** PKCS#8 PEM; absent when the key stayed with the device (CSR). */
  keyPem?: string
  caPem: string
  serial: string
  row: repo.CertRow
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The POST /certs and POST /certs/csr answer: 0.12.1's names plus its SDK's and docs'. */
export function issuedView(i: Issued) {
  return {
    thing_id: i.thingId,
    cert: i.certPem,
    cert_key: i.keyPem,
    cert_serial: i.serial,
    ca_cert: i.caPem,
    client_cert: i.certPem,
    client_key: i.keyPem,
    issuing_ca: i.caPem,
    serial: i.serial,
    expire: iso(i.row.expiresAt),
  }
}

export function certView(row: repo.CertRow) {
  return {
    thing_id: row.thingId,
    serial: row.serial,
    cert_serial: row.serial,
    key_type: row.keyType,
    key_bits: row.keyBits,
    issued_at: iso(row.issuedAt),
    expire: iso(row.expiresAt),
    revoked_at: row.revokedAt === null ? undefined : iso(row.revokedAt),
  }
}

export function revocationView(at: number, serials: string[]) {
  return { RevocationTime: iso(at), revocation_time: iso(at), serials }
}
