import type { BatchItem } from 'drizzle-orm/batch'
import * as bootstrapRepo from '../bootstrap/repo'
import { certCn } from '../bootstrap/service'
import type { Issued } from '../certs/service'
import * as certsRepo from '../certs/repo'
import * as channelsRepo from '../channels/repo'
import * as connectionsRepo from '../connections/repo'
import type { Db } from '../db/client'
import { LIMITS } from '../lib/limits'
import * as thingsRepo from '../things/repo'
import type { Plan } from './plan'
import * as repo from './repo'

export type Statement = BatchItem<'sqlite'>

/** The bootstrap config of a plan, with the gateway's certificate when one was signed. */
function configStatements(db: Db, p: Plan, issued: Issued[]): Statement[] {
  if (!p.config) return []
  const gatewayCert = issued.find((i) => i.thingId === p.gatewayId)
  return [
    bootstrapRepo.save(db, {
      ...p.config,
      clientCert: gatewayCert?.certPem ?? null,
      clientKey: gatewayCert?.keyPem ?? null,
      caCert: gatewayCert?.caPem ?? null,
      clientCertCn: certCn(gatewayCert?.certPem ?? null),
    }),
    bootstrapRepo.saveChannels(
      db,
      p.owner,
      p.gatewayId,
      p.channels.map((c) => c.id)
    ),
  ]
}

/**
 * The statements of one mapping, in the order they run (one D1 batch). The idempotency claim goes
 * first: a repeated request fails there, before anything else can conflict.
 */
export function mappingStatements(
  db: Db,
  p: Plan,
  issued: Issued[],
  claim?: repo.IdempotencyRow
): Statement[] {
  const out: Statement[] = []
  if (claim) out.push(...repo.claim(db, claim, claim.createdAt - LIMITS.idempotencyTtlMs))
  out.push(...thingsRepo.save(db, p.things), ...channelsRepo.save(db, p.channels))
  out.push(...configStatements(db, p, issued))
  if (p.pairs.length > 0) out.push(connectionsRepo.connectPairs(db, p.owner, p.pairs))
  if (issued.length > 0) {
    out.push(
      ...certsRepo.saveAll(
        db,
        issued.map((i) => i.row)
      )
    )
  }
  return out
}
