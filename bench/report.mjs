// Turns the results run.mjs collects (results/latest.json) into the Markdown tables of
// BENCHMARKS.md and the chart results/chart.svg, a hand-written SVG.
//
//   node report.mjs [results/latest.json]     re-renders the chart and BENCHMARKS.md from a results file
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const TASKS = [
  { id: 'mlp_train', label: 'MLP training', short: 'MLP train', unit: 'samples/s', field: 'samples_per_s', higher: true },
  { id: 'cnn_train', label: 'CNN training', short: 'CNN train', unit: 'samples/s', field: 'samples_per_s', higher: true },
  { id: 'mlp_infer_b1', label: 'MLP inference, batch 1', short: 'MLP b1', unit: 'µs', field: 'latency_us', higher: false },
  { id: 'mlp_infer_b256', label: 'MLP inference, batch 256', short: 'MLP b256', unit: 'samples/s', field: 'samples_per_s', higher: true },
  { id: 'cnn_infer_b1', label: 'CNN inference, batch 1', short: 'CNN b1', unit: 'µs', field: 'latency_us', higher: false },
  { id: 'cnn_infer_b256', label: 'CNN inference, batch 256', short: 'CNN b256', unit: 'samples/s', field: 'samples_per_s', higher: true },
  { id: 'matmul_256', label: 'matmul 256×256', short: 'matmul 256', unit: 'GFLOP/s', field: 'gflops', higher: true },
  { id: 'matmul_512', label: 'matmul 512×512', short: 'matmul 512', unit: 'GFLOP/s', field: 'gflops', higher: true },
  { id: 'matmul_1024', label: 'matmul 1024×1024', short: 'matmul 1024', unit: 'GFLOP/s', field: 'gflops', higher: true },
  { id: 'add_1x1', label: '1×1 add, per op', short: 'add 1×1', unit: 'µs', field: 'us_per_op', higher: false },
]
export const PEER_ORDER = ['ferrograd', 'pytorch', 'numpy', 'tfjs-cpu', 'tfjs-wasm', 'brain.js']
const OURS = 'ferrograd'
const COLORS = { pytorch: '#e8552f', numpy: '#3f6fc6', 'tfjs-cpu': '#f2a33a', 'tfjs-wasm': '#8e6c2a', 'brain.js': '#8a57b5' }

const peersOf = (byPeer) => PEER_ORDER.filter((p) => byPeer[p]).concat(Object.keys(byPeer).filter((p) => !PEER_ORDER.includes(p)))
const threadKeys = (data) => Object.keys(data.runs).sort((a, b) => Number(a) - Number(b))
const threadsLabel = (t) => `${t} thread${Number(t) === 1 ? '' : 's'}`

/** ferrograd's advantage over `peer` on `task`: > 1 means ferrograd is better. */
export function ratio(byPeer, peer, task) {
  const ours = byPeer[OURS]?.results?.[task.id]?.[task.field]
  const theirs = byPeer[peer]?.results?.[task.id]?.[task.field]
  if (!(ours > 0) || !(theirs > 0)) return null
  return task.higher ? ours / theirs : theirs / ours
}

export function fmt(v) {
  if (v == null || !Number.isFinite(v)) return '–'
  const a = Math.abs(v)
  if (a >= 1000) return Math.round(v).toLocaleString('en-US')
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toPrecision(2)
}

export function fmtRatio(r) {
  if (r == null) return ''
  if (r >= 100) return `${r.toFixed(0)}×`
  if (r >= 10) return `${r.toFixed(1)}×`
  if (r >= 0.1) return `${r.toFixed(2)}×`
  return `${r.toPrecision(2)}×`
}

/** One Markdown table per thread count, plus the peers' notes. */
export function markdownTables(data) {
  const out = []
  const single = new Set()
  for (const t of threadKeys(data)) {
    const byPeer = data.runs[t]
    const peers = peersOf(byPeer)
    for (const p of peers) if (byPeer[p].reused_from_threads != null) single.add(p)
    out.push(`### ${threadsLabel(t)}`, '')
    out.push(`| task | ${peers.map((p) => `${p}${byPeer[p].reused_from_threads != null ? ' ¹' : ''}`).join(' | ')} |`)
    out.push(`|---|${peers.map(() => '--:').join('|')}|`)
    for (const task of TASKS) {
      if (!peers.some((p) => byPeer[p].results?.[task.id])) continue
      const cells = peers.map((p) => {
        const v = byPeer[p].results?.[task.id]?.[task.field]
        if (v == null) return '–'
        const r = p === OURS ? null : ratio(byPeer, p, task)
        return r == null ? fmt(v) : `${fmt(v)} (${fmtRatio(r)})`
      })
      out.push(`| ${task.label}, ${task.unit}${task.higher ? '' : ' (lower is better)'} | ${cells.join(' | ')} |`)
    }
    for (const kind of ['mlp', 'cnn']) {
      const id = `${kind}_train`
      if (!peers.some((p) => byPeer[p].results?.[id])) continue
      const cells = peers.map((p) => {
        const r = byPeer[p].results?.[id]
        if (!r) return '–'
        const ep = r.epochs != null && Number(r.epochs) !== 5 ? ` (${r.epochs} epoch${Number(r.epochs) === 1 ? '' : 's'})` : ''
        return r.accuracy == null ? `not measured${ep}` : `${Number(r.accuracy).toFixed(4)}${ep}`
      })
      out.push(`| ${kind.toUpperCase()} test accuracy (median) | ${cells.join(' | ')} |`)
    }
    out.push('')
  }
  out.push(
    'Each cell: the median, and in brackets the ratio ferrograd / peer — for times (µs) peer / ferrograd — ' +
      'so that a ratio above 1 means ferrograd is faster. "–": the peer cannot run that task (see its notes).',
  )
  if (single.size) {
    out.push('', `¹ ${[...single].join(', ')}: single-threaded; their run at ${threadsLabel(Math.min(...threadKeys(data).map(Number)))} is shown in every table.`)
  }
  out.push('', '#### Peers', '')
  const seen = new Map()
  for (const t of threadKeys(data)) {
    for (const [p, r] of Object.entries(data.runs[t])) {
      if (!seen.has(p)) seen.set(p, { version: r.version, notes: new Set(), date: r.date, wall: [] })
      const s = seen.get(p)
      for (const n of r.notes ?? []) s.notes.add(n)
      if (r.reused_from_threads == null && r.wall_s != null) s.wall.push(`${fmt(r.wall_s)} s at ${threadsLabel(t)}`)
    }
  }
  for (const p of PEER_ORDER.filter((x) => seen.has(x)).concat([...seen.keys()].filter((x) => !PEER_ORDER.includes(x)))) {
    const s = seen.get(p)
    out.push(`- **${p}** ${s.version ?? ''} (measured ${String(s.date ?? '').slice(0, 10)}${s.wall.length ? `; run took ${s.wall.join(', ')}` : ''})`)
    for (const n of s.notes) out.push(`  - ${n}`)
  }
  if (data.skipped && Object.keys(data.skipped).length) {
    out.push('', 'Skipped in the last run:', '')
    for (const [p, why] of Object.entries(data.skipped)) out.push(`- ${p}: ${why}`)
  }
  return out.join('\n')
}

export function machineLine(m) {
  const mem = m.memory_gib ? `, ${m.memory_gib} GiB` : ''
  return `${m.cpu}, ${m.cores} logical cores${mem}, ${m.os}; Node ${m.node}${m.python ? `, ${m.python}` : ''}`
}

// ---------------------------------------------------------------- chart
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function ticksFor(lo, hi) {
  const ticks = []
  const decades = Math.log10(hi / lo)
  const mults = decades > 4 ? [1] : decades > 2.5 ? [1, 3] : [1, 2, 5]
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
    for (const m of mults) {
      const v = m * 10 ** e
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v)
    }
  }
  return ticks
}

const tickLabel = (v) => (v >= 1 ? String(Math.round(v)) : String(Number(v.toPrecision(1))))

/** Grouped bars of ferrograd/peer per task, one panel per thread count, log scale, a line at 1. */
export function chartSvg(data) {
  const keys = threadKeys(data)
  const panels = keys.map((t) => {
    const byPeer = data.runs[t]
    const peers = peersOf(byPeer).filter((p) => p !== OURS)
    const groups = TASKS.map((task) => ({ task, bars: peers.map((p) => ({ peer: p, r: ratio(byPeer, p, task) })) }))
      .filter((g) => g.bars.some((b) => b.r != null))
    return { t, peers, groups }
  })
  const allRatios = panels.flatMap((p) => p.groups.flatMap((g) => g.bars.map((b) => b.r))).filter((r) => r != null)
  const W = 1060
  const left = 70
  const right = 86
  const panelH = 330
  const top = 96
  const gap = 62
  const H = top + panels.length * (panelH + gap) - 30
  const svg = []
  svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`)
  svg.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`)
  svg.push(`<text x="${W / 2}" y="28" font-size="19" font-weight="bold" text-anchor="middle">ferrograd compared with other libraries: speed ratio ferrograd / peer</text>`)
  svg.push(
    `<text x="${W / 2}" y="50" font-size="13" text-anchor="middle" fill="#333">higher = ferrograd faster (for latencies and µs per op: peer time / ferrograd time); log scale; 1 = same speed</text>`,
  )
  if (data.machine) {
    svg.push(`<text x="${W / 2}" y="70" font-size="12" text-anchor="middle" fill="#555">${esc(machineLine(data.machine))}; ${esc(String(data.date ?? '').slice(0, 10))}</text>`)
  }
  if (!allRatios.length) {
    svg.push(`<text x="${W / 2}" y="${top + 60}" font-size="16" text-anchor="middle">No ratios: the results have no ferrograd run, or no peer next to it.</text>`, '</svg>')
    return svg.join('\n')
  }
  // Data range (at least 0.5..2), clamped, then widened so that the rotated value
  // labels past the bar ends (up to ~50 px) stay inside the plot.
  let lo = Math.max(Math.min(0.5, ...allRatios), 1e-3)
  let hi = Math.min(Math.max(2, ...allRatios), 1e5)
  const plotHeight = panelH - 40
  const extra = (50 * (Math.log(hi) - Math.log(lo))) / (plotHeight - 100)
  lo /= Math.exp(extra)
  hi *= Math.exp(extra)
  const ticks = ticksFor(lo, hi)
  // legend (all peers that appear)
  const legendPeers = PEER_ORDER.filter((p) => p !== OURS && panels.some((pn) => pn.peers.includes(p)))
  let lx = left
  const ly = 86
  for (const p of legendPeers) {
    svg.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[p] ?? '#777'}"/>`)
    svg.push(`<text x="${lx + 17}" y="${ly}" font-size="13">${esc(p)}</text>`)
    lx += 30 + p.length * 8
  }
  svg.push(`<text x="${W - right}" y="${ly}" font-size="11" text-anchor="end" fill="#555">no bar: the peer cannot run that task</text>`)

  panels.forEach((panel, i) => {
    const y0 = top + 18 + i * (panelH + gap)
    const plotH = plotHeight
    const yOf = (v) => y0 + plotH * (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)))
    const plotW = W - left - right
    svg.push(`<text x="${left}" y="${y0 - 6}" font-size="15" font-weight="bold">${threadsLabel(panel.t)}</text>`)
    svg.push(`<rect x="${left}" y="${y0}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#bbb"/>`)
    for (const v of ticks) {
      const y = yOf(v).toFixed(1)
      svg.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`)
      svg.push(`<text x="${left - 6}" y="${Number(y) + 4}" font-size="11" text-anchor="end" fill="#444">${tickLabel(v)}×</text>`)
    }
    const y1 = yOf(1)
    const n = panel.groups.length
    const gw = plotW / Math.max(n, 1)
    const nb = Math.max(panel.peers.length, 1)
    const bw = Math.min(26, (gw - 16) / nb)
    panel.groups.forEach((g, gi) => {
      const gx = left + gi * gw + (gw - bw * nb) / 2
      if (gi > 0) svg.push(`<line x1="${left + gi * gw}" x2="${left + gi * gw}" y1="${y0}" y2="${y0 + plotH}" stroke="#eeeeee"/>`)
      g.bars.forEach((b, bi) => {
        if (b.r == null) return
        const x = gx + bi * bw
        const rc = Math.min(Math.max(b.r, lo), hi)
        const yr = yOf(rc)
        const yTop = Math.min(yr, y1)
        const h = Math.max(Math.abs(yr - y1), 1)
        svg.push(
          `<rect x="${(x + 1).toFixed(1)}" y="${yTop.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[b.peer] ?? '#777'}"><title>${esc(`${g.task.label}: ferrograd / ${b.peer} = ${fmtRatio(b.r)}`)}</title></rect>`,
        )
        const tx = x + bw / 2 + 3.5
        const above = b.r >= 1
        const ty = above ? yr - 4 : yr + 4
        svg.push(
          `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" font-size="10" fill="#222" text-anchor="${above ? 'start' : 'end'}" transform="rotate(-90 ${tx.toFixed(1)} ${ty.toFixed(1)})">${esc(fmtRatio(b.r))}</text>`,
        )
      })
      svg.push(`<text x="${(left + gi * gw + gw / 2).toFixed(1)}" y="${y0 + plotH + 17}" font-size="12" text-anchor="middle">${esc(g.task.short)}</text>`)
    })
    svg.push(`<line x1="${left}" x2="${left + plotW}" y1="${y1.toFixed(1)}" y2="${y1.toFixed(1)}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 3"/>`)
    svg.push(`<text x="${left + plotW + 6}" y="${(y1 - 3).toFixed(1)}" font-size="11">1 = same</text>`)
    svg.push(`<text x="${left + plotW + 6}" y="${(y1 + 10).toFixed(1)}" font-size="11">speed</text>`)
    svg.push(`<text x="${left + plotW + 6}" y="${y0 + 14}" font-size="11" fill="#2a7a2a">ferrograd</text>`)
    svg.push(`<text x="${left + plotW + 6}" y="${y0 + 27}" font-size="11" fill="#2a7a2a">faster ↑</text>`)
    svg.push(`<text x="${left + plotW + 6}" y="${y0 + plotH - 17}" font-size="11" fill="#a33">ferrograd</text>`)
    svg.push(`<text x="${left + plotW + 6}" y="${y0 + plotH - 4}" font-size="11" fill="#a33">slower ↓</text>`)
    const single = panel.peers.filter((p) => data.runs[panel.t][p].reused_from_threads != null)
    if (single.length) {
      svg.push(`<text x="${left}" y="${y0 + plotH + 34}" font-size="11" fill="#555">${esc(`${single.join(', ')}: single-threaded, their 1-thread run in every panel`)}</text>`)
    }
  })
  svg.push('</svg>')
  return svg.join('\n')
}

// ---------------------------------------------------------------- BENCHMARKS.md
export const BEGIN = '<!-- results:begin -->'
export const END = '<!-- results:end -->'

export function resultsBlock(data, chartPath) {
  return [
    BEGIN,
    '',
    `Measured ${String(data.date).slice(0, 16).replace('T', ' ')} UTC on ${machineLine(data.machine)}.` +
      (data.quick ? ' **--quick run: smoke-test settings, not real figures.**' : ''),
    '',
    `![ferrograd / peer speed ratios](${chartPath})`,
    '',
    markdownTables(data),
    '',
    END,
  ].join('\n')
}

export function newBenchmarksMd(data, chartPath) {
  return `# Benchmarks

ferrograd against PyTorch, NumPy, TensorFlow.js (cpu and wasm backends) and brain.js on
the same tasks: training the MNIST MLP and CNN, their inference at batch 1 and 256, square
matmuls and the per-op cost of a tiny add. The protocol every peer follows (data, models,
hyper-parameters, timing) is described in [bench/README.md](bench/README.md); the raw figures
are in [bench/results/latest.json](bench/results/latest.json).

## Machine

${machineLine(data.machine)}. Both thread counts run on the same machine, one peer at a time.

## Results

${resultsBlock(data, chartPath)}

## Where the time goes

_To be written: what dominates ferrograd's time in each task, and why it is faster or slower
than each peer there._

## How to run

\`\`\`sh
npm install                          # in the repository root: builds ferrograd
cd bench
npm install                          # the JS peers, and ferrograd linked from the parent folder
pip install -r requirements.txt      # the Python peers (PyTorch, NumPy), ideally in a venv
PYTHON=/path/to/venv/bin/python npm run bench
\`\`\`

\`npm run bench -- --quick\` is a smoke test of a few seconds per peer; \`--peers a,b\`,
\`--threads 1,2\`, \`--repeats R\` and \`--tasks a,b\` narrow a run. See bench/README.md.
`
}

export function updateBenchmarksMd(existing, data, chartPath) {
  const i = existing.indexOf(BEGIN)
  const j = existing.indexOf(END)
  if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${BEGIN} … ${END} block to replace`)
  return existing.slice(0, i) + resultsBlock(data, chartPath) + existing.slice(j + END.length)
}

// ---------------------------------------------------------------- CLI
const here = dirname(fileURLToPath(import.meta.url))

/** Writes chart.svg next to the results file and, unless told not to, BENCHMARKS.md. */
export function writeReport(data, resultsDir, { markdown = true } = {}) {
  writeFileSync(join(resultsDir, 'chart.svg'), chartSvg(data) + '\n')
  if (!markdown) return null
  const md = join(here, '..', 'BENCHMARKS.md')
  const chartPath = 'bench/results/chart.svg'
  const text = existsSync(md) ? updateBenchmarksMd(readFileSync(md, 'utf8'), data, chartPath) : newBenchmarksMd(data, chartPath)
  writeFileSync(md, text)
  return md
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? join(here, 'results', 'latest.json')
  const data = JSON.parse(readFileSync(file, 'utf8'))
  const md = writeReport(data, dirname(file), { markdown: !data.quick })
  console.log(markdownTables(data))
  console.error(`wrote ${join(dirname(file), 'chart.svg')}${md ? ` and ${md}` : ''}`)
}
