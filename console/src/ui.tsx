import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'

let nextId = 0
function useId(prefix: string) {
  const ref = useRef<string | undefined>(undefined)
  if (!ref.current) ref.current = `${prefix}-${++nextId}`
  return ref.current
}

type InputProps = {
  type?: string
  required?: boolean
  autoComplete?: string
  placeholder?: string
  min?: string
  step?: string
  label: string
  value: string
  onValue: (v: string) => void
  hint?: string
}

/** A labelled input (getByLabel(label)). */
export function Field({ label, value, onValue, hint, ...rest }: InputProps) {
  const id = useId('f')
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-describedby={hint ? `${id}-h` : undefined}
        {...(rest as Record<string, string | boolean>)}
      />
      {hint && <small id={`${id}-h`}>{hint}</small>}
    </div>
  )
}

export function TextArea({
  label,
  value,
  onValue,
  rows = 6,
  hint,
}: {
  label: string
  value: string
  onValue: (v: string) => void
  rows?: number
  hint?: string
}) {
  const id = useId('t')
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        rows={rows}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        spellcheck={false}
        aria-describedby={hint ? `${id}-h` : undefined}
      />
      {hint && <small id={`${id}-h`}>{hint}</small>}
    </div>
  )
}

export function Select({
  label,
  value,
  onValue,
  options,
}: {
  label: string
  value: string
  onValue: (v: string) => void
  options: [string, string][]
}) {
  const id = useId('s')
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
        {options.map(([v, text]) => (
          <option value={v} key={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  )
}

/** Parses a JSON object editor's text; '' is an empty object. Throws a readable message. */
export function parseJsonObject(text: string, what = 'Metadata'): Record<string, unknown> {
  if (!text.trim()) return {}
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${what} must be a JSON object`)
  return v as Record<string, unknown>
}

/** A JSON editor: validates as you type and shows the problem next to the field. */
export function JsonEditor({
  label,
  value,
  onValue,
  rows = 6,
  object = true,
}: {
  label: string
  value: string
  onValue: (v: string) => void
  rows?: number
  object?: boolean
}) {
  const id = useId('j')
  let problem = ''
  try {
    if (object) parseJsonObject(value, label)
    else if (value.trim()) JSON.parse(value)
  } catch (e) {
    problem = (e as Error).message
  }
  return (
    <div class='field'>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        class='mono'
        rows={rows}
        value={value}
        spellcheck={false}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={problem ? `${id}-e` : undefined}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      {problem && (
        <small id={`${id}-e`} class='invalid'>
          {problem}
        </small>
      )}
    </div>
  )
}

/** An error as the API said it (role=alert), or nothing. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null
  const msg = error instanceof Error ? error.message : String(error)
  return (
    <p role='alert' class='error'>
      {msg}
    </p>
  )
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p role='status' class='notice'>
      {children}
    </p>
  )
}

/** Runs an async action with a busy flag and the error it threw. */
export function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    setBusy(true)
    setError(null)
    try {
      return await fn()
    } catch (e) {
      setError(e)
      return undefined
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, run }
}

/** Loads data when `deps` change; `reload()` loads again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<unknown>(null)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setError(null)
    fn().then(
      (d) => live && setData(d),
      (e) => live && setError(e)
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])
  return { data, error, reload: () => setTick((t) => t + 1) }
}

/**
 * A destructive button that asks first: "Delete" opens "Confirm delete" / "Cancel" next to it (the
 * first button stays, as a toggle with aria-expanded).
 */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  disabled,
}: {
  label: string
  confirmLabel: string
  question: string
  onConfirm: () => void
  disabled?: boolean
}) {
  const [asking, setAsking] = useState(false)
  return (
    <span class='confirm'>
      <button
        type='button'
        class='danger'
        disabled={disabled}
        aria-expanded={asking}
        onClick={() => setAsking(!asking)}
      >
        {label}
      </button>
      {asking && (
        <span class='confirm' role='group' aria-label={question}>
          <span>{question}</span>
          <button
            type='button'
            class='danger'
            onClick={() => {
              setAsking(false)
              onConfirm()
            }}
          >
            {confirmLabel}
          </button>
          <button type='button' onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      )}
    </span>
  )
}

export function download(name: string, text: string, type = 'application/x-pem-file') {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** A secret shown once, with copy and download buttons. */
export function Secret({ label, value, file }: { label: string; value: string; file: string }) {
  const [copied, setCopied] = useState(false)
  const id = useId('sec')
  return (
    <div class='secret'>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        class='mono'
        readOnly
        rows={Math.min(12, value.split('\n').length + 1)}
        value={value}
      />
      <div class='row'>
        <button
          type='button'
          onClick={() =>
            navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false)
            )
          }
        >
          Copy {label}
        </button>
        <button type='button' onClick={() => download(file, value)}>
          Download {label}
        </button>
        {copied && <span role='status'>Copied</span>}
      </div>
    </div>
  )
}

/** Previous / next paging for a list with total, offset and limit. */
export function Pager({
  total,
  offset,
  limit,
  onOffset,
  label,
}: {
  total: number
  offset: number
  limit: number
  onOffset: (o: number) => void
  label: string
}) {
  const pages = Math.max(1, Math.ceil(total / limit))
  const page = Math.floor(offset / limit) + 1
  return (
    <nav class='pager' aria-label={`${label} pages`}>
      <button
        type='button'
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - limit))}
      >
        Previous page
      </button>
      <span>
        Page {page} of {pages} ({total} total)
      </span>
      <button
        type='button'
        disabled={offset + limit >= total}
        onClick={() => onOffset(offset + limit)}
      >
        Next page
      </button>
    </nav>
  )
}

export function when(iso?: string | null) {
  if (!iso) return 'never'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

export function pretty(v: unknown) {
  return JSON.stringify(v ?? {}, null, 2)
}
