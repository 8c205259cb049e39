import { parse, TomlError } from 'smol-toml'
import { contentPlaceholders, isAgentContent } from '../content'
import { certsKey, certsTtl, crossCheck } from './check'
import { describeIssue, layoutSchema } from './schema'
import {
  type ChannelType,
  fieldPath,
  LAYOUT_NAME,
  type Layout,
  LayoutError,
  layoutFile,
} from './types'

/**
 * Parses and validates one layout file.
 * @throws LayoutError naming the file and each offending field.
 */
export function parseLayout(name: string, text: string): Layout {
  const file = layoutFile(name)
  if (!LAYOUT_NAME.test(name)) {
    throw new LayoutError(file, [
      'the file name must be lower case letters, digits, ".", "_" or "-" (it is used as ?layout=NAME)',
    ])
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (e) {
    if (e instanceof TomlError) {
      throw new LayoutError(file, [
        `line ${e.line}, column ${e.column}: ${e.message.split('\n')[0]}`,
      ])
    }
    throw new LayoutError(file, [(e as Error).message])
  }
  const parsed = layoutSchema.safeParse(doc)
  if (!parsed.success) throw new LayoutError(file, parsed.error.issues.flatMap(describeIssue))
  const raw = parsed.data
  const problems: string[] = []
  const add = (path: PropertyKey[], message: string) =>
    problems.push(`${fieldPath(path)}: ${message}`)
  crossCheck(raw, add)
  const content = raw.bootstrap?.content
  const placeholders = content ? contentPlaceholders(content, add) : []
  const ttlMs = certsTtl(raw, add)
  const key = certsKey(raw, add)
  if (problems.length > 0) throw new LayoutError(file, problems)

  return {
    name,
    provision: raw.bootstrap?.provision,
    autowhiteList: raw.bootstrap?.autowhite_list,
    x509: raw.bootstrap?.x509_provision,
    content,
    placeholders,
    agent: isAgentContent(content),
    ttlMs,
    key,
    things: raw.things.map((t) => ({
      name: t.name ?? '',
      metadata: t.metadata ?? null,
      channels: t.channels ?? [],
    })),
    channels: raw.channels.map((c) => ({
      name: c.name,
      metadata: c.metadata ?? null,
      type: c.metadata?.type as ChannelType | undefined,
    })),
    gateway: raw.things.findIndex((t) => t.metadata && Object.hasOwn(t.metadata, 'external_id')),
  }
}

/**
 * Compares the layouts/ directory with the bundled layouts and validates each: every problem as
 * one line naming its file (empty: all good). `files` and `bundled` map names to TOML text.
 */
export function checkLayouts(
  files: Readonly<Record<string, string>>,
  bundled: Readonly<Record<string, string>>
): string[] {
  const problems: string[] = []
  const registry = 'src/provision/layouts.ts'
  for (const name of Object.keys(files).sort()) {
    if (!Object.hasOwn(bundled, name)) {
      problems.push(
        `${layoutFile(name)}: not bundled; import it in ${registry} under the name "${name}"`
      )
    }
  }
  for (const [name, text] of Object.entries(bundled).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!Object.hasOwn(files, name)) {
      problems.push(`${registry}: lists "${name}", but ${layoutFile(name)} does not exist`)
      continue
    }
    if (files[name] !== text) {
      problems.push(
        `${registry}: "${name}" is not the text of ${layoutFile(name)} (imported under the wrong name?)`
      )
      continue
    }
    try {
      parseLayout(name, text)
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e
      problems.push(...e.problems.map((p) => `${e.file}: ${p}`))
    }
  }
  return problems
}
