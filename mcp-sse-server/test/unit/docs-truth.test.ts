/**
 * The docs cannot drift from the code: every tool, every server variable and every relative link is checked here,
 * from the lists the server itself uses. (Every channel and its variables: test/notify/registry.test.ts.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SERVER_VARIABLES } from '../../src/config.js'
import { tools } from '../../src/tools/index.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

describe('docs name everything the code has', () => {
  it('every tool is a row of the README table, and a heading or a table row of docs/tools.md', () => {
    const firstCells = (text: string) => text.split('\n').filter((l) => l.startsWith('| `')).map((row) => row.split('|')[1])
    const readmeRows = firstCells(read('README.md'))
    const toolsDoc = read('docs/tools.md')
    const entries = [...toolsDoc.split('\n').filter((l) => l.startsWith('### ')), ...firstCells(toolsDoc)]
    for (const { name } of tools) {
      expect(readmeRows.some((cell) => cell.includes(`\`${name}\``)), `README tool table lacks ${name}`).toBe(true)
      expect(entries.some((e) => e.includes(`\`${name}\``)), `docs/tools.md has neither a heading nor a row for ${name}`).toBe(true)
    }
  })

  it('every server variable is in .env.example and in a row of docs/configuration.md', () => {
    const example = read('.env.example')
    const rows = read('docs/configuration.md').split('\n').filter((l) => l.startsWith('|'))
    for (const name of SERVER_VARIABLES) {
      expect(example, `.env.example lacks ${name}`).toMatch(new RegExp(`^#? ?${name}=`, 'm'))
      expect(rows.some((row) => row.includes(`\`${name}\``)), `docs/configuration.md has no row for ${name}`).toBe(true)
    }
  })
})

describe('links in the docs lead somewhere', () => {
  it.each(DOCS)('%s: every relative link names a file that exists, and every #anchor a heading in it', (doc) => {
    const text = read(doc).replace(/```[\s\S]*?```/g, '')
    const broken: string[] = []
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue
      const [file, anchor] = target.split('#')
      const resolved = file ? path.join(ROOT, path.dirname(doc), file) : path.join(ROOT, doc)
      if (!existsSync(resolved)) {
        broken.push(target)
        continue
      }
      if (anchor && resolved.endsWith('.md') && !slugs(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(target)
    }
    expect(broken).toEqual([])
  })

  it.each(DOCS)('%s: every source or doc file named in `code` exists', (doc) => {
    const text = read(doc).replace(/```[\s\S]*?```/g, '')
    // Source files and docs with a folder (`wechat/directory.ts`, `reference/x.md`), looked up where a
    // reader would: beside the doc, at the repository root, in the server package and its src/.
    const named = [...text.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:ts|md))`/g)].map((m) => m[1])
    const places = [path.dirname(doc), '.', 'mcp-sse-server', 'mcp-sse-server/src']
    const missing = [...new Set(named)].filter((p) => !places.some((dir) => existsSync(path.join(ROOT, dir, p))))
    expect(missing).toEqual([])
  })
})

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function slugs(markdown: string): Set<string> {
  const headings = markdown.replace(/```[\s\S]*?```/g, '').match(/^#{1,6} .+$/gm) ?? []
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  )
}
