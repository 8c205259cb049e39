// Boots the real Worker (src/index.ts built by wrangler) in workerd through Miniflare, as the
// broker end-to-end test does, for the CLI tests and the CLI bench. RATE_MAPPING is lifted so a
// batch of thousands of mappings from one address is not capped (the tests of the 429 wait use
// their own small server).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildFluxgate, startFluxgate } from '../../test/e2e/broker/fluxgate.mjs'

export async function bootFluxgate(
  root,
  {
    rateLimits = { RATE_MAPPING: 1_000_000, RATE_SIGNUP: 1_000_000, RATE_LOGIN: 1_000_000 },
    settings = {},
  } = {}
) {
  const outdir = mkdtempSync(join(tmpdir(), 'fluxgate-cli-build-'))
  try {
    await buildFluxgate(root, outdir)
    const fg = await startFluxgate({ root, outdir, settings, rateLimits })
    return {
      url: fg.url,
      d1: fg.d1,
      stop: async () => {
        await fg.stop()
        rmSync(outdir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    rmSync(outdir, { recursive: true, force: true })
    throw e
  }
}
