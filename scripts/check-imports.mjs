#!/usr/bin/env node
// Import direction check for src/ (plain Node, no dependencies).
//
//   node scripts/check-imports.mjs              checks src/ of this repository
//   node scripts/check-imports.mjs --root DIR   checks DIR/src instead
//   node scripts/check-imports.mjs --self-test  builds temporary trees with back edges and expects
//                                               each to fail, and a clean one to pass
//
// Every relative `import ... from`, `import '...'`, `export ... from` and `import('...')` between
// files under src/ is an edge between two top-level folders of src/ (files directly in src/, such
// as app.ts, count as the folder of their own name). It fails, printing each offending edge as
// `src/a/x.ts -> src/b/y.ts`, when:
//   1. a folder imports a folder above it in LAYERS (lib/, db/ and env.ts are the floor: they
//      import no domain), or a folder that LAYERS does not name imports or is imported;
//   2. things/ imports bootstrap/, channels/, certs/ or connections/ (they react to things through
//      hooks, see src/lib/hooks.ts), whatever the layers say;
//   3. folders import each other, directly or around a longer cycle.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

// The allowed layering, bottom to top. A folder may import folders of lower layers only (and
// itself); folders of one layer do not import each other, except on the floor (the first layer). A new top-level folder or file of src/
// must be added here, at the lowest layer above everything it imports.
export const LAYERS = [
  // The floor: types, storage and helpers that know no domain. Its members may import each other
  // (env.ts names the config's type, lib/ reads db/ and env.ts), never anything above.
  ['env', 'db', 'lib'],
  // Authentication (token checks, the route middleware, login-session state): reads the api_keys
  // and users tables through its own statements, so the domains whose routes use it sit above.
  ['auth'],
  // Domains that read no other domain (dev/: the local mailbox of `npm start`; console/: the
  // console's static assets with their security headers).
  ['throttle', 'sessions', 'health', 'dev', 'console'],
  ['keys'],
  // Users revoke API keys on a password reset and throttle logins.
  ['users'],
  ['things'],
  // Channels reuse the things' schema pieces and access cache; certificates name things by id and
  // key through their own SQL.
  ['channels', 'certs'],
  // Connections: things x channels, their listings and the access checks.
  ['connections'],
  // Bootstrap configs follow things, channels and connections (through hooks, see lib/hooks.ts).
  ['bootstrap'],
  // Provision creates all of the above in one batch; the broker hooks check access; import writes
  // a Mainflux 0.12.1 deployment's rows with the same views and hashes.
  ['provision', 'broker', 'import'],
  // Assembly: the hooks registration, the app, the Worker entry point.
  ['deps'],
  ['app'],
  ['index'],
]

/** Edges forbidden whatever the layers say: from folder to folders. */
export const FORBIDDEN = {
  things: ['bootstrap', 'channels', 'certs', 'connections'],
}

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g

/** Removes comments, keeping string literals (an import path in a comment is not an edge). */
function stripComments(text) {
  let out = ''
  for (let i = 0; i < text.length;) {
    const ch = text[i]
    const next = text[i + 1]
    if (ch === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (ch === '/' && next === '*') {
      i += 2
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) i++
      i += 2
    } else if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else {
      out += ch
      i++
    }
  }
  return out
}

function listFiles(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(p))
    // Generated declarations (worker-configuration.d.ts) are not code of ours.
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** The top-level folder of a path under src/ ('app' for src/app.ts). */
function folderOf(srcDir, file) {
  const rel = relative(srcDir, file).split(sep)
  if (rel.length === 1) return rel[0].replace(/(\.d)?\.(ts|mts|js|mjs)$/, '')
  return rel[0]
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec)
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.mts`,
    `${base}.js`,
    join(base, 'index.ts'),
  ]) {
    if (existsSync(candidate) && !candidate.endsWith(sep)) {
      try {
        readdirSync(candidate)
      } catch {
        return candidate
      }
    }
  }
  return `${base}.ts`
}

/** Every edge between two different top-level folders of src/. */
export function edgesOf(root) {
  const srcDir = join(root, 'src')
  const edges = []
  for (const file of listFiles(srcDir)) {
    const text = stripComments(readFileSync(file, 'utf8'))
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2]
      if (!spec.startsWith('.')) continue
      const target = resolveImport(file, spec)
      if (!target.startsWith(srcDir + sep)) continue
      const a = folderOf(srcDir, file)
      const b = folderOf(srcDir, target)
      if (a === b) continue
      edges.push({
        from: a,
        to: b,
        line: `${relative(root, file)} -> ${relative(root, target)}`.split(sep).join('/'),
      })
    }
  }
  return edges
}

/** Folders that are on a cycle with each other (Tarjan's strongly connected components). */
function cycles(edges) {
  const graph = new Map()
  for (const { from, to } of edges) {
    if (!graph.has(from)) graph.set(from, new Set())
    if (!graph.has(to)) graph.set(to, new Set())
    graph.get(from).add(to)
  }
  let index = 0
  const idx = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const components = []
  const visit = (v) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v)) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const comp = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1) components.push(new Set(comp))
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return components
}

/** The problems of a tree: one line per offending edge, grouped by rule. */
export function check(root) {
  const edges = edgesOf(root)
  const layerOf = new Map()
  LAYERS.forEach((folders, i) => folders.forEach((f) => layerOf.set(f, i)))
  const problems = []
  const seen = new Set()
  const report = (why, e) => {
    const key = `${why}\n${e.line}`
    if (seen.has(key)) return
    seen.add(key)
    problems.push({ why, line: e.line })
  }
  for (const e of edges) {
    const a = layerOf.get(e.from)
    const b = layerOf.get(e.to)
    if (a === undefined) report(`src/${e.from} is not in LAYERS (scripts/check-imports.mjs)`, e)
    else if (b === undefined) report(`src/${e.to} is not in LAYERS (scripts/check-imports.mjs)`, e)
    else if (b > a || (b === a && a !== 0)) {
      const floor = a === 0 ? ' (lib/, db/ and env.ts import no domain)' : ''
      report(
        `${e.from} may not import ${e.to}: ${b === a ? 'same layer' : 'a higher layer'}${floor}`,
        e
      )
    }
    if (FORBIDDEN[e.from]?.includes(e.to)) report(`${e.from} may not import ${e.to} (use hooks)`, e)
  }
  // Imports among the floor's members are allowed (see LAYERS), so they are no cycle either.
  const floor = new Set(LAYERS[0])
  const above = edges.filter((e) => !(floor.has(e.from) && floor.has(e.to)))
  for (const comp of cycles(above)) {
    const names = [...comp].sort().join(', ')
    for (const e of above)
      if (comp.has(e.from) && comp.has(e.to)) report(`cycle between folders: ${names}`, e)
  }
  return problems
}

function print(problems) {
  const byWhy = new Map()
  for (const p of problems) {
    if (!byWhy.has(p.why)) byWhy.set(p.why, [])
    byWhy.get(p.why).push(p.line)
  }
  for (const [why, lines] of byWhy) {
    console.error(`${why}:`)
    for (const l of [...new Set(lines)].sort()) console.error(`  ${l}`)
  }
}

function selfTest() {
  const write = (root, files) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
  }
  const base = {
    'src/lib/errors.ts': 'export class AppError {}\n',
    'src/things/service.ts':
      "import { AppError } from '../lib/errors'\nexport const t = AppError\n",
    'src/bootstrap/service.ts': "import { t } from '../things/service'\nexport const b = t\n",
    'src/app.ts':
      "import { b } from './bootstrap/service'\n// import { x } from './nowhere/a'\nexport default b\n",
  }
  const cases = [
    { name: 'clean tree', files: {}, fails: false },
    {
      name: 'the floor importing itself both ways',
      files: {
        'src/env.ts': "import type { Config } from './lib/config'\nexport type Env = Config\n",
        'src/lib/config.ts':
          "import type { Env } from '../env'\nexport type Config = { a: 1 }\nexport type E = Env\n",
      },
      fails: false,
    },
    {
      name: 'lib imports a domain',
      files: { 'src/lib/auth.ts': "import { t } from '../things/service'\nexport const a = t\n" },
      fails: true,
      expect: 'src/lib/auth.ts -> src/things/service.ts',
    },
    {
      name: 'things imports bootstrap (a back edge and a cycle)',
      files: {
        'src/things/service.ts':
          "import type { b } from '../bootstrap/service'\nexport const t = 1\nexport type B = typeof b\n",
      },
      fails: true,
      expect: 'src/things/service.ts -> src/bootstrap/service.ts',
    },
    {
      name: 'cycle of three through export-from',
      files: {
        'src/users/a.ts': "export * from '../keys/b'\n",
        'src/keys/b.ts': "export { c } from '../throttle/c'\n",
        'src/throttle/c.ts': "import '../users/a'\nexport const c = 1\n",
      },
      fails: true,
      expect: 'cycle between folders: keys, throttle, users',
    },
    {
      name: 'unknown folder',
      files: {
        'src/widgets/w.ts': "import { AppError } from '../lib/errors'\nexport const w = AppError\n",
      },
      fails: true,
      expect: 'src/widgets is not in LAYERS',
    },
  ]
  let ok = true
  for (const c of cases) {
    const root = mkdtempSync(join(tmpdir(), 'check-imports-'))
    try {
      write(root, { ...base, ...c.files })
      const problems = check(root)
      const text = problems.map((p) => `${p.why}: ${p.line}`).join('\n')
      const failed = problems.length > 0
      const good = failed === c.fails && (!c.expect || text.includes(c.expect))
      if (!good) {
        ok = false
        console.error(
          `self-test "${c.name}": expected ${c.fails ? 'failure' : 'success'}${c.expect ? ` naming "${c.expect}"` : ''}, got:\n${text || '(no problems)'}`
        )
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
  if (!ok) process.exit(1)
  console.log(`check-imports self-test: ${cases.length} cases passed`)
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const args = process.argv.slice(2)
  if (args.includes('--self-test')) {
    selfTest()
  } else {
    const at = args.indexOf('--root')
    const root =
      at >= 0 ? resolve(args[at + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..')
    const problems = check(root)
    if (problems.length > 0) {
      print(problems)
      console.error(`check-imports: ${problems.length} offending import edge(s) under src/`)
      process.exit(1)
    }
    console.log('check-imports: src/ imports follow the layers')
  }
}
