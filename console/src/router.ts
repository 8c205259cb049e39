import { useEffect, useState } from 'preact/hooks'

export const BASE = '/console'
const listeners = new Set<() => void>()

/** Goes to a console path (`/things`, `/signin?next=...`) without reloading. */
export function navigate(to: string, replace = false) {
  const url = to.startsWith(BASE) ? to : `${BASE}${to}`
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  for (const l of listeners) l()
}

/** The current console path without the /console prefix ('/' for the dashboard). */
export function useRoute() {
  const read = () => location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/'
  const [path, setPath] = useState(read)
  useEffect(() => {
    const l = () => setPath(read())
    listeners.add(l)
    addEventListener('popstate', l)
    return () => {
      listeners.delete(l)
      removeEventListener('popstate', l)
    }
  }, [])
  return path
}

/** Click handler for in-console links: same-tab navigation without a reload. */
export function linkClick(e: MouseEvent) {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null
  if (
    !a ||
    e.defaultPrevented ||
    e.button !== 0 ||
    e.metaKey ||
    e.ctrlKey ||
    e.shiftKey ||
    e.altKey
  )
    return
  e.preventDefault()
  navigate(a.getAttribute('href') ?? '/')
}
