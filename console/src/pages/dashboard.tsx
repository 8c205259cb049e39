import type { components } from '../../../docs/openapi'
import { client, ok } from '../api'
import { BASE, linkClick } from '../router'
import { ErrorBox, useLoad, when } from '../ui'

/** GET /things/configs/summary: the owner's counts and the latest bootstrap failures. */
export type Summary = components['schemas']['ConfigsSummary']

const BUCKETS: [keyof Summary['last_bootstrap'], string][] = [
  ['never', 'Never'],
  ['hour', 'Under an hour'],
  ['day', 'Under a day'],
  ['older', 'Older'],
]

/** Gateways by time since their last bootstrap, as a plain SVG bar chart. */
export function BootstrapChart({ counts }: { counts: Summary['last_bootstrap'] }) {
  const max = Math.max(1, ...BUCKETS.map(([k]) => counts[k]))
  const w = 320
  const barH = 26
  const labelW = 110
  const desc = BUCKETS.map(([k, t]) => `${t}: ${counts[k]}`).join(', ')
  return (
    <figure class='chart'>
      <svg
        viewBox={`0 0 ${w} ${BUCKETS.length * (barH + 8)}`}
        role='img'
        aria-label={`Gateways by last bootstrap. ${desc}`}
      >
        {BUCKETS.map(([k, t], i) => {
          const y = i * (barH + 8)
          const bw = ((w - labelW - 40) * counts[k]) / max
          return (
            <g key={k}>
              <text x={0} y={y + barH * 0.68} class='chart-label'>
                {t}
              </text>
              <rect x={labelW} y={y} width={Math.max(bw, 1)} height={barH} class={`bar bar-${k}`} />
              <text x={labelW + bw + 6} y={y + barH * 0.68} class='chart-value'>
                {counts[k]}
              </text>
            </g>
          )
        })}
      </svg>
      <figcaption>Gateways by time since last bootstrap</figcaption>
    </figure>
  )
}

export function DashboardPage() {
  const s = useLoad(() => ok(client.GET('/things/configs/summary')), [])
  const d = s.data
  return (
    <section>
      <h1>Dashboard</h1>
      <ErrorBox error={s.error} />
      {d && (
        <>
          <ul class='cards' aria-label='Counts'>
            <li>
              <a href={`${BASE}/things`} onClick={linkClick}>
                <strong>{d.things.total}</strong> Things
              </a>
            </li>
            <li>
              <a href={`${BASE}/channels`} onClick={linkClick}>
                <strong>{d.channels.total}</strong> Channels
              </a>
            </li>
            <li>
              <a href={`${BASE}/gateways`} onClick={linkClick}>
                <strong>{d.configs.active}</strong> Active gateways
              </a>
            </li>
            <li>
              <a href={`${BASE}/gateways`} onClick={linkClick}>
                <strong>{d.configs.inactive}</strong> Inactive gateways
              </a>
            </li>
          </ul>
          <h2>Last bootstrap</h2>
          <BootstrapChart counts={d.last_bootstrap} />
          <h2>Latest bootstrap failures</h2>
          {d.failures.length === 0 ? (
            <p>No bootstrap failures.</p>
          ) : (
            <div class='scroll' tabIndex={0} role='region' aria-label='Failures table'>
              <table>
                <caption>Latest bootstrap failures</caption>
                <thead>
                  <tr>
                    <th scope='col'>Gateway</th>
                    <th scope='col'>External id</th>
                    <th scope='col'>When</th>
                    <th scope='col'>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {d.failures.map((f) => (
                    <tr key={`${f.id}-${f.at}`}>
                      <td>{f.name || f.id}</td>
                      <td class='mono'>{f.external_id}</td>
                      <td>{when(f.at)}</td>
                      <td>{f.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {d.configs.total === 0 && d.things.total === 0 && (
            <p>
              Nothing here yet.{' '}
              <a href={`${BASE}/things`} onClick={linkClick}>
                Create things
              </a>{' '}
              or{' '}
              <a href={`${BASE}/provision`} onClick={linkClick}>
                provision a gateway
              </a>
              .
            </p>
          )}
        </>
      )}
    </section>
  )
}
