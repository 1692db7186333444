/** Figures, the printed table and results.json. */
import { cpus, loadavg, totalmem } from 'node:os'
import { round } from './load.js'

export interface Target {
  /** `ratio`: value / baseline must not exceed max; `absolute`: value itself must not exceed max. */
  kind: 'ratio' | 'absolute'
  max: number
  text: string
}

export interface Figure {
  id: string
  label: string
  unit: string
  value: number
  baseline: number
  baselineLabel: string
  /** value / baseline. */
  ratio: number
  target?: Target
  met?: boolean
  detail?: Record<string, unknown>
}

export function figure(f: Omit<Figure, 'ratio' | 'met'>): Figure {
  const value = round(f.value, 3)
  const baseline = round(f.baseline, 3)
  const ratio = baseline ? round(value / baseline, 3) : NaN
  let met: boolean | undefined
  if (f.target) met = f.target.kind === 'ratio' ? ratio <= f.target.max : value <= f.target.max
  return { ...f, value, baseline, ratio, ...(met === undefined ? {} : { met }) }
}

export function machine(): Record<string, unknown> {
  const cpu = cpus()
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model,
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((l) => round(l, 2)),
  }
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—'
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return `${value.toFixed(digits)} ${unit}`.trim()
}

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.label,
    fmt(f.value, f.unit),
    `${fmt(f.baseline, f.unit)} (${f.baselineLabel})`,
    Number.isFinite(f.ratio) ? `${f.ratio.toFixed(2)}×` : '—',
    f.target?.text ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ])
  const head = ['figure', 'wechat-mcp', 'baseline (same run)', 'ratio', 'target', '']
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/** Display width: CJK and other wide characters take two columns. */
function width(text: string): number {
  let w = 0
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1
  return w
}
