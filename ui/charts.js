// SVG charts for the Data Center, with no library: stacked bars of exact decimal costs. Each chart
// comes with its data as a table (for screen readers, and for tests), since a picture is not data.

// Exact decimal text arithmetic: "1.25" + "0.125" = "1.375" (BigInt with a scale).
function parse(text) {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(text).trim())
  if (!m) return { n: 0n, s: 0 }
  const frac = m[3] || ''
  const n = BigInt((m[2] || '0') + frac)
  return { n: m[1] ? -n : n, s: frac.length }
}
function rescale(v, s) { return v.n * 10n ** BigInt(s - v.s) }
export function addDecimal(a, b) {
  const x = parse(a), y = parse(b)
  const s = Math.max(x.s, y.s)
  const n = rescale(x, s) + rescale(y, s)
  const neg = n < 0n
  let digits = (neg ? -n : n).toString().padStart(s + 1, '0')
  const text = s ? digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s) : digits
  return (neg ? '-' : '') + text
}
// Same value whatever the scale ("5.0" and "5").
export function sameDecimal(a, b) {
  const x = parse(a), y = parse(b), s = Math.max(x.s, y.s)
  return rescale(x, s) === rescale(y, s)
}
// For people: "1234.5" → "1,234.50".
export function money(text) {
  const v = Number(text)
  if (!Number.isFinite(v)) return String(text)
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
}

const COLORS = ['#1f5fbf', '#e07a1f', '#2f9e44', '#c2255c', '#6741d9', '#0c8599', '#a61e4d', '#5c940d', '#862e9c', '#495057']

// series: [{key, points:[{date, cost}]}] → an element holding the SVG, a legend and the data table.
export function stackedBars(title, series, { label = d => d } = {}) {
  const dates = [...new Set(series.flatMap(s => s.points.map(p => p.date)))].sort()
  const totals = new Map(dates.map(d => [d, '0']))
  const cost = new Map()
  for (const s of series) {
    for (const p of s.points) {
      cost.set(s.key + '\u0000' + p.date, p.cost)
      totals.set(p.date, addDecimal(totals.get(p.date), p.cost))
    }
  }
  const max = Math.max(0, ...[...totals.values()].map(Number)) || 1
  // The SVG scales to its box: drawn 800 wide, its 11-unit labels would be 5 px on a phone. A narrow
  // screen gets a drawing about as wide as the screen, so labels stay readable, and fewer day labels.
  const narrow = typeof window !== 'undefined' && window.matchMedia && window.matchMedia('(max-width: 640px)').matches
  const W = narrow ? 360 : 800, H = narrow ? 240 : 260, left = narrow ? 54 : 64, bottom = 28, top = 10
  const maxLabels = narrow ? 6 : 12
  const bw = dates.length ? (W - left - 10) / dates.length : 0
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  if (narrow) svg.dataset.layout = 'narrow'
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', title)
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag)
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
    if (text !== undefined) e.textContent = text
    svg.appendChild(e)
    return e
  }
  for (let i = 0; i <= 4; i++) {
    const y = top + (H - top - bottom) * (1 - i / 4)
    el('line', { x1: left, x2: W - 5, y1: y, y2: y, stroke: '#e3e7ef' })
    const tick = narrow ? (max * i / 4).toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 }) : money(max * i / 4)
    el('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5b6478' }, tick)
  }
  dates.forEach((d, i) => {
    let y = H - bottom
    series.forEach((s, si) => {
      const c = cost.get(s.key + '\u0000' + d)
      if (c === undefined) return
      const h = (Number(c) / max) * (H - top - bottom)
      y -= h
      const r = el('rect', { x: left + i * bw + bw * 0.1, y, width: Math.max(1, bw * 0.8), height: Math.max(0, h),
                             fill: COLORS[si % COLORS.length], 'data-date': d, 'data-key': s.key, 'data-cost': c })
      const t = document.createElementNS(ns, 'title')
      t.textContent = `${label(d)} ${s.key || '(none)'}: ${c}`
      r.appendChild(t)
    })
    if (dates.length <= (narrow ? 7 : 16) || i % Math.ceil(dates.length / maxLabels) === 0) {
      el('text', { x: left + i * bw + bw / 2, y: H - 10, 'text-anchor': 'middle', 'font-size': 11, fill: '#5b6478' }, label(d))
    }
  })
  const box = document.createElement('div')
  box.className = 'chart'
  box.appendChild(svg)
  const legend = document.createElement('div')
  legend.className = 'legend'
  series.forEach((s, si) => {
    const span = document.createElement('span')
    span.style.setProperty('--c', COLORS[si % COLORS.length])
    span.textContent = s.key || '(none)'
    legend.appendChild(span)
  })
  box.appendChild(legend)
  const details = document.createElement('details')
  details.className = 'data'
  const summary = document.createElement('summary')
  summary.textContent = `${title}: the data`
  details.appendChild(summary)
  const table = document.createElement('table')
  table.className = 'chart-data'
  table.innerHTML = '<thead><tr><th scope="col">Date</th><th scope="col">Key</th><th scope="col" class="num">Cost</th></tr></thead>'
  const tbody = document.createElement('tbody')
  for (const d of dates) {
    for (const s of series) {
      const c = cost.get(s.key + '\u0000' + d)
      if (c === undefined) continue
      const tr = document.createElement('tr')
      for (const [v, cls] of [[d, ''], [s.key, ''], [c, 'num']]) {
        const td = document.createElement('td')
        td.textContent = v
        if (cls) td.className = cls
        tr.appendChild(td)
      }
      tbody.appendChild(tr)
    }
    const tr = document.createElement('tr')
    tr.className = 'total'
    tr.dataset.date = d
    tr.dataset.total = totals.get(d)
    for (const [v, cls] of [[d, ''], ['total', ''], [totals.get(d), 'num']]) {
      const td = document.createElement('td')
      td.textContent = v
      if (cls) td.className = cls
      tr.appendChild(td)
    }
    tbody.appendChild(tr)
  }
  table.appendChild(tbody)
  details.appendChild(table)
  box.appendChild(details)
  return box
}
