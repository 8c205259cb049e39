/**
 * Broker addresses as the Mainflux agent and export service pass them to the Go paho client:
 * `host:port` (paho adds `tcp://`), or `tcp://`, `ssl://`, `tls://` with a port, or `ws://`,
 * `wss://` with an optional port and path. paho dials tcp/ssl/tls without a default port, so
 * there a missing port is an error the gateway would only report at connect time.
 */
const SCHEMES = new Set(['tcp', 'ssl', 'tls', 'ws', 'wss'])

/** Why `text` is not a broker address the agent can dial; undefined when it is one. */
export function brokerUrlProblem(text: string): string | undefined {
  const withScheme = text.includes('://') ? text : `tcp://${text}`
  const scheme = withScheme.slice(0, withScheme.indexOf('://')).toLowerCase()
  if (!SCHEMES.has(scheme)) {
    return `"${text}" is not an MQTT broker address: use host:port or tcp://, ssl://, tls://, ws://, wss://`
  }
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return `"${text}" is not an MQTT broker address like mqtt.example.com:1883`
  }
  if (!url.hostname) return `"${text}" has no host`
  if (url.username || url.password) {
    return `"${text}" must not carry credentials (the gateway logs in with its thing id and key)`
  }
  if (scheme === 'ws' || scheme === 'wss') return undefined
  if (!url.port) {
    return `"${text}" needs a port, like ${url.hostname}:${scheme === 'tcp' ? 1883 : 8883}`
  }
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    return `"${text}" must be host and port only`
  }
  return undefined
}
