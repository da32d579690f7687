// The Data Center's pages: one document, routed by the URL's fragment. Plain DOM, no framework; every
// text from the server is set as text (never as HTML).
import { stackedBars, addDecimal, money } from './charts.js'

const main = document.getElementById('main')

// ---- helpers -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`)
    this.status = status
    this.code = body && body.code
    this.body = body
  }
}

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const res = await fetch(path, init)
  const text = await res.text()
  let json = null
  try { json = text ? JSON.parse(text) : null } catch { json = null }
  if (!res.ok) {
    if (res.status === 401) showLogin()
    throw new ApiError(res.status, json)
  }
  return json
}

// h('div', {class: 'x', onclick: f}, 'text', child) — attributes, event handlers, children (text is text).
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else if (k === 'class') e.className = v
    else if (k === 'dataset') Object.assign(e.dataset, v)
    else if (v === true) e.setAttribute(k, '')
    else e.setAttribute(k, v)
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return e
}

function field(id, labelText, input, hint) {
  input.id = id
  const parts = [h('label', { for: id }, labelText), input]
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: id + '-hint' }, hint)
    input.setAttribute('aria-describedby', id + '-hint')
    parts.push(hintEl)
  }
  return h('div', {}, parts)
}

function errorBox(id) { return h('p', { class: 'error', id, role: 'alert' }) }
function setText(el, text) { el.textContent = text || '' }

function toast(text) {
  const t = document.getElementById('toast')
  t.textContent = text
  clearTimeout(toast.timer)
  toast.timer = setTimeout(() => { t.textContent = '' }, 5000)
}

function when(ts) { return ts ? ts.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '—' }

function table(headers, rows, { id, cls = 'stack' } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { id, class: cls },
      h('thead', {}, h('tr', {}, headers.map(([t, c]) => h('th', { scope: 'col', class: c }, t)))),
      h('tbody', {}, rows.map(r => h('tr', r.attrs || {}, r.cells.map((c, i) =>
        h('td', { class: headers[i][1], 'data-label': headers[i][0] }, c)))))))
}

function page(title, ...content) {
  main.replaceChildren(h('h1', {}, title), ...content)
  document.title = `${title} · billpipe Data Center`
}

function showLogin() {
  if (document.getElementById('login-form')) return
  const token = h('input', { type: 'password', autocomplete: 'current-password', required: true })
  const err = errorBox('login-error')
  const form = h('form', { id: 'login-form', class: 'card', onsubmit: async ev => {
    ev.preventDefault()
    try {
      await api('POST', '/api/login', { token: token.value })
      route()
    } catch (e) { setText(err, e.message) }
  } }, field('login-token', 'Access token', token, 'The token billpipe serve was started with (--token-file or BILLPIPE_TOKEN).'),
  err, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')))
  page('Sign in', form)
}

// ---- Data Center: every dataset --------------------------------------------------------------------

async function viewDatasets() {
  page('Datasets', h('p', { class: 'muted' }, 'Loading…'))
  const list = await api('GET', '/api/datasets')
  if (!list.length) {
    page('Datasets', h('div', { class: 'card' }, h('p', {}, 'No datasets yet. '),
      h('a', { class: 'button', href: '#/new' }, 'New dataset')))
    return
  }
  const rows = list.map(d => {
    const report = `s3://${d.details.bucket}/${d.details.prefix ? d.details.prefix + '/' : ''}${d.details.report_name}`
    const last = d.last_run
    const status = h('span', { class: 'status-' + (last ? last.status : 'none') }, last ? last.status : 'never run')
    const runBtn = h('button', { type: 'button', class: 'secondary', 'aria-label': `Run ${d.name} now`, onclick: async () => {
      runBtn.disabled = true
      try {
        const r = await api('POST', `/api/datasets/${encodeURIComponent(d.name)}/runs`)
        toast(r.run_id ? `Run ${r.run_id} of ${d.name} started.` : `A run of ${d.name} is queued.`)
        setText(status, 'running'); status.className = 'status-running'
      } catch (e) { toast(e.message) }
      runBtn.disabled = false
    } }, 'Run now')
    return { attrs: { 'data-dataset': d.name }, cells: [
      h('a', { href: `#/datasets/${encodeURIComponent(d.name)}` }, d.name),
      d.account || '(no account)', report,
      h('span', {}, status, last ? ` ${when(last.started_at)}` : ''),
      d.paused ? `paused (${d.pause_reason})` : (d.next_run_at ? when(d.next_run_at) : d.scheduling.schedule),
      d.line_items.toLocaleString('en-US'),
      d.month_cost === null ? '—' : h('span', { title: d.month_cost }, money(d.month_cost)),
      runBtn] }
  })
  page('Datasets', table([['Dataset'], ['Account'], ['Report'], ['Last run'], ['Next run'], ['Line items', 'num'],
    [`Cost ${list[0].month}`, 'num'], ['', '']], rows, { id: 'datasets' }),
  h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/new' }, 'New dataset')))
}

// ---- Accounts --------------------------------------------------------------------------------------

// An account: access keys, or a role assumed with another account's (or the machine's) credentials.
// accounts: the existing ones, for a role's source account.
function accountForm({ onSaved, idPrefix = 'acct', accounts = [] }) {
  const name = h('input', { type: 'text', autocomplete: 'off', required: true })
  const kind = radios(idPrefix + '-kind', [['keys', 'Access keys'], ['role', 'Role (assume a role)']], 'keys')
  const key = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', required: true })
  const secret = h('input', { type: 'password', autocomplete: 'new-password', required: true })
  const roleArn = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'arn:aws:iam::123456789012:role/billing-reader' })
  const externalId = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false' })
  const source = h('select', {}, h('option', { value: '' }, "(none: the machine's own AWS credentials)"),
    accounts.filter(a => a.source !== 'role').map(a => h('option', { value: a.name }, a.name)))
  const region = h('input', { type: 'text', value: 'us-east-1' })
  const endpoint = h('input', { type: 'text', placeholder: 'https://s3.example.com (S3-compatible storage only)' })
  const err = errorBox(idPrefix + '-error')
  const ok = h('p', { class: 'ok', role: 'status' })
  const save = h('button', { type: 'submit' }, 'Save and test')
  const keysBox = h('div', { class: 'row', id: idPrefix + '-keys' },
    field(idPrefix + '-key', 'Access key ID', key),
    field(idPrefix + '-secret', 'Secret access key', secret, 'Stored encrypted; never shown again.'))
  const roleBox = h('div', { class: 'row', id: idPrefix + '-role' },
    field(idPrefix + '-role-arn', 'Role ARN', roleArn),
    field(idPrefix + '-external-id', 'External ID (optional)', externalId, 'Stored encrypted; shown masked after saving.'),
    field(idPrefix + '-source', 'Source account (optional)', source, 'Whose credentials assume the role.'))
  const isRole = () => radioValue(form, idPrefix + '-kind') === 'role'
  const form = h('form', { class: 'card', id: idPrefix + '-form', onsubmit: async ev => {
    ev.preventDefault()
    setText(err, ''); setText(ok, '')
    save.disabled = true
    try {
      const body = { name: name.value, region: region.value.trim() }
      if (isRole()) {
        body.role_arn = roleArn.value.trim()
        if (externalId.value) body.external_id = externalId.value
        if (source.value) body.source_account = source.value
      } else {
        body.access_key_id = key.value.trim()
        body.secret_access_key = secret.value
      }
      if (endpoint.value.trim()) body.endpoint = endpoint.value.trim()
      const a = await api('POST', '/api/accounts', body)
      secret.value = ''
      externalId.value = ''
      const what = a.source === 'role' ? `role ${a.role_arn}, external id ${a.external_id || 'none'}` : a.access_key_id
      setText(ok, `Saved ${a.name} (${what}): ${a.check || 'tested'}.`)
      onSaved && onSaved(a)
    } catch (e) { setText(err, e.message) }
    save.disabled = false
  } },
  h('div', { class: 'row' }, field(idPrefix + '-name', 'Account name', name)),
  h('div', {}, h('strong', {}, 'Kind'), kind),
  keysBox, roleBox,
  h('div', { class: 'row' },
    field(idPrefix + '-region', 'Region', region),
    field(idPrefix + '-endpoint', 'Endpoint URL (optional)', endpoint)),
  err, ok, h('div', { class: 'actions' }, save))
  const sync = () => {
    const role = isRole()
    keysBox.hidden = role
    roleBox.hidden = !role
    key.required = !role
    secret.required = !role
    roleArn.required = role
  }
  kind.addEventListener('change', sync)
  sync()
  return form
}

// What identifies an account's credentials, masked as the API sends them.
function credentialsText(a) {
  if (a.source === 'profile') return `profile ${a.profile}`
  if (a.source === 'role') {
    return `${a.role_arn} · external id ${a.external_id || 'none'} · via ${a.source_account || 'the machine credentials'}`
  }
  return a.access_key_id
}

async function viewAccounts() {
  const accounts = await api('GET', '/api/accounts')
  const msg = errorBox('accounts-error')
  const okMsg = h('p', { class: 'ok', role: 'status', id: 'accounts-status' })
  const rows = accounts.map(a => {
    const nameCell = h('span', {}, a.name)
    const test = h('button', { type: 'button', class: 'secondary', 'aria-label': `Test ${a.name}`, onclick: async () => {
      setText(msg, ''); setText(okMsg, '')
      try { const r = await api('POST', `/api/accounts/${encodeURIComponent(a.name)}/test`); setText(okMsg, `${a.name}: ${r.check}`) }
      catch (e) { setText(msg, e.message) }
    } }, 'Test')
    const rename = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rename ${a.name}`, onclick: () => {
      const input = h('input', { type: 'text', value: a.name, 'aria-label': `New name for ${a.name}` })
      const form = h('form', { onsubmit: async ev => {
        ev.preventDefault()
        try { await api('PATCH', `/api/accounts/${encodeURIComponent(a.name)}`, { name: input.value }); viewAccounts() }
        catch (e) { setText(msg, e.message) }
      } }, input, h('button', { type: 'submit' }, 'Save'))
      nameCell.replaceChildren(form)
      input.focus()
    } }, 'Rename')
    const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${a.name}`, onclick: async () => {
      setText(msg, '')
      if (!confirm(`Delete the account ${a.name}?`)) return
      try { await api('DELETE', `/api/accounts/${encodeURIComponent(a.name)}`); viewAccounts() }
      catch (e) { setText(msg, e.message) }
    } }, 'Delete')
    const kindName = { keys: 'access keys', role: 'role', profile: 'profile' }[a.source] || a.source
    return { attrs: { 'data-account': a.name, 'data-kind': a.source }, cells: [nameCell, kindName, credentialsText(a),
      a.region, a.endpoint || 'AWS', String(a.datasets), h('span', { class: 'actions' }, test, rename, del)] }
  })
  page('Accounts',
    accounts.length ? table([['Name'], ['Kind'], ['Credentials'], ['Region'], ['Endpoint'], ['Datasets', 'num'], ['', '']], rows, { id: 'accounts' })
      : h('p', { class: 'muted' }, 'No accounts yet.'),
    msg, okMsg,
    h('h2', {}, 'Add an account'),
    accountForm({ accounts, onSaved: () => setTimeout(viewAccounts, 600) }))
}

// ---- New / edit dataset: the connector's panes -------------------------------------------------------

function radios(name, options, value) {
  return h('div', { class: 'choice', role: 'radiogroup' }, options.map(([v, text]) =>
    h('label', {}, h('input', { type: 'radio', name, value: v, checked: v === value }), text)))
}
function radioValue(root, name) { const r = root.querySelector(`input[name="${name}"]:checked`); return r ? r.value : '' }

// One end of a duration: Specific (a date) or Relative (days back).
function dateEnd(id, legend, spec) {
  const relative = /^\d+d$/.test(spec || '')
  const date = h('input', { type: 'date', value: relative ? '' : (spec || '') })
  const days = h('input', { type: 'number', min: '0', step: '1', value: relative ? spec.slice(0, -1) : '' })
  const box = h('fieldset', { id }, h('legend', {}, legend),
    radios(id + '-kind', [['specific', 'Specific'], ['relative', 'Relative']], relative ? 'relative' : 'specific'),
    field(id + '-date', 'Date', date), field(id + '-days', 'Days back', days, '0 is today, 1 yesterday (UTC).'))
  const sync = () => {
    const rel = radioValue(box, id + '-kind') === 'relative'
    date.closest('div').hidden = rel
    days.closest('div').hidden = !rel
  }
  box.addEventListener('change', sync)
  sync()
  box.spec = () => radioValue(box, id + '-kind') === 'relative' ? (days.value === '' ? '' : `${Number(days.value)}d`) : date.value
  return box
}

const BASIC = [['manual', 'Manually (Run now only)'], ['day', 'Every day'], ['hour', 'Every hour'], ['weekday', 'Every weekday']]

async function viewEditor(name) {
  const existing = name ? await api('GET', `/api/datasets/${encodeURIComponent(name)}`) : null
  const accounts = await api('GET', '/api/accounts')
  const d = existing || { name: '', description: '', account: accounts[0] ? accounts[0].name : '',
    details: { report_type: 'cost-and-usage', filter: 'all', schema: 'cur', bucket: '', prefix: '', report_name: '', start: '30d', end: '0d' },
    scheduling: { schedule: 'every day at 06:00', start_at: null, retry: 'never', update_method: 'replace' } }

  // Credentials
  const accountLabel = a => `${a.name} (${a.source === 'role' ? 'role ' + a.role_arn : a.access_key_id || a.profile})`
  const account = h('select', {}, accounts.map(a => h('option', { value: a.name, selected: a.name === d.account }, accountLabel(a))))
  const inlineBox = h('div', { hidden: true })
  const addInline = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: () => {
    inlineBox.hidden = !inlineBox.hidden
    addInline.setAttribute('aria-expanded', String(!inlineBox.hidden))
  } }, 'Add an account')
  inlineBox.appendChild(accountForm({ idPrefix: 'inline-acct', accounts, onSaved: a => {
    account.appendChild(h('option', { value: a.name, selected: true }, accountLabel(a)))
    account.value = a.name
    inlineBox.hidden = true
    addInline.setAttribute('aria-expanded', 'false')
  } }))
  const credentials = h('fieldset', { id: 'pane-credentials' }, h('legend', {}, '1. Credentials'),
    accounts.length ? field('ds-account', 'Account', account) : h('p', { class: 'muted' }, 'No account yet: add one.'),
    h('div', { class: 'actions' }, addInline), inlineBox)
  if (!accounts.length) account.id = 'ds-account'

  // Details
  const reportType = h('select', {}, h('option', { value: 'cost-and-usage' }, 'Cost and Usage'))
  const schema = h('select', {}, [['cur', 'The report\'s own columns'], ['focus', 'FOCUS 1.2']].map(([v, t]) =>
    h('option', { value: v, selected: v === (d.details.schema || 'cur') }, t)))
  const filter = radios('ds-filter', [['all', 'All'], ['invoiced', 'Invoiced'], ['estimated', 'Estimated']], d.details.filter)
  const filterHint = h('p', { class: 'hint warn', id: 'filter-hint' },
    'Estimated data only exists for open months: choose a window within the last two months, with relative dates.')
  const bucket = h('input', { type: 'text', value: d.details.bucket, spellcheck: 'false', autocomplete: 'off', 'aria-invalid': 'false' })
  const bucketError = h('p', { class: 'error', id: 'bucket-error', role: 'alert' })
  const prefix = h('input', { type: 'text', value: d.details.prefix, spellcheck: 'false', autocomplete: 'off' })
  const reportName = h('select', {}, d.details.report_name ? h('option', { value: d.details.report_name }, d.details.report_name) : h('option', { value: '' }, '(load the reports)'))
  const reportsError = errorBox('reports-error')
  const loadReports = h('button', { type: 'button', class: 'secondary', onclick: () => fillReports() }, 'Load report names')
  // Destination: the data directory's SQLite file, another SQLite file, PostgreSQL or ClickHouse. A
  // password is sent once, when typed, and never shown back (the API says only whether one is stored).
  const destKindOf = dest => !dest ? 'default' : dest.startsWith('postgres') ? 'postgresql' : dest.startsWith('clickhouse') ? 'clickhouse' : 'sqlite'
  const destKind = h('select', {}, [['default', "SQLite: the data directory's file (default)"], ['sqlite', 'SQLite: another file'],
    ['postgresql', 'PostgreSQL'], ['clickhouse', 'ClickHouse']].map(([v, t]) => h('option', { value: v, selected: v === destKindOf(d.destination) }, t)))
  const destUrl = h('input', { type: 'text', value: d.destination || '', spellcheck: 'false', autocomplete: 'off' })
  const destPassword = h('input', { type: 'password', autocomplete: 'new-password' })
  const destPasswordState = h('p', { class: 'hint', id: 'ds-dest-password-state' },
    d.destination_password ? 'Password: set (never shown; type a new one to replace it).' : 'Password: not set.')
  const destination = h('div', { id: 'ds-destination' },
    field('ds-dest-kind', 'Destination', destKind),
    field('ds-dest-url', 'Destination URL', destUrl),
    h('div', { id: 'ds-dest-password-box' }, field('ds-dest-password', 'Destination password', destPassword), destPasswordState))
  const syncDestination = () => {
    const k = destKind.value
    destUrl.closest('div').hidden = k === 'default'
    destUrl.placeholder = { sqlite: 'sqlite:/path/to/file.db', postgresql: 'postgresql://user@host:5432/database',
      clickhouse: 'clickhouse://user@host:8123/database?cluster=NAME' }[k] || ''
    destination.querySelector('#ds-dest-password-box').hidden = k !== 'postgresql' && k !== 'clickhouse'
  }
  destKind.addEventListener('change', syncDestination)
  syncDestination()
  const durationKind = radios('ds-duration', [['single', 'Specific Date'], ['range', 'Date Range']], d.details.end ? 'range' : 'single')
  const startEnd = dateEnd('ds-start', 'Start (or the date)', d.details.start)
  const endEnd = dateEnd('ds-end', 'End', d.details.end || '0d')
  const details = h('fieldset', { id: 'pane-details' }, h('legend', {}, '2. Details'),
    field('ds-report-type', 'Report', reportType),
    field('ds-schema', 'Schema', schema, 'FOCUS 1.2 loads a legacy CUR or CUR 2.0 report into FOCUS columns.'),
    h('div', {}, h('span', { class: 'label', id: 'filter-label' }, h('strong', {}, 'Filter')), filter, filterHint),
    field('ds-bucket', 'Bucket Name', bucket, 'Letters, digits, dots, dashes and underscores; no slashes.'), bucketError,
    field('ds-prefix', 'Report Prefix', prefix, 'The path before the report name, e.g. cur.'),
    field('ds-report-name', 'Report Name', reportName), h('div', { class: 'actions' }, loadReports), reportsError,
    h('div', {}, h('strong', {}, 'Duration'), durationKind), startEnd, endEnd, destination)
  filter.setAttribute('aria-labelledby', 'filter-label')
  const syncDetails = () => {
    filterHint.hidden = radioValue(details, 'ds-filter') !== 'estimated'
    endEnd.hidden = radioValue(details, 'ds-duration') !== 'range'
  }
  details.addEventListener('change', syncDetails)
  syncDetails()
  let bucketTimer = null
  const checkBucket = async () => {
    if (!bucket.value) { setText(bucketError, ''); bucket.setAttribute('aria-invalid', 'false'); return true }
    try {
      await api('GET', `/api/check/bucket?name=${encodeURIComponent(bucket.value)}`)
      setText(bucketError, ''); bucket.setAttribute('aria-invalid', 'false'); return true
    } catch (e) { setText(bucketError, e.message); bucket.setAttribute('aria-invalid', 'true'); return false }
  }
  bucket.addEventListener('input', () => { clearTimeout(bucketTimer); bucketTimer = setTimeout(checkBucket, 200) })
  async function fillReports() {
    setText(reportsError, '')
    if (!(await checkBucket())) return
    try {
      const r = await api('GET', `/api/reports?account=${encodeURIComponent(account.value)}&bucket=${encodeURIComponent(bucket.value)}&prefix=${encodeURIComponent(prefix.value)}`)
      const current = reportName.value
      reportName.replaceChildren(...r.reports.map(rep => h('option', { value: rep.name, selected: rep.name === current, disabled: !rep.supported },
        `${rep.name} (${rep.periods.length} periods${rep.supported ? '' : ', not supported yet'})`)))
      if (!r.reports.length) { reportName.appendChild(h('option', { value: '' }, '(no reports here)')); setText(reportsError, 'No Cost and Usage Report under this bucket and prefix.') }
    } catch (e) { setText(reportsError, e.message) }
  }

  // Scheduling
  const sched = d.scheduling.schedule
  const m = /^every (day|weekday) at (\d\d:\d\d)$/.exec(sched)
  const basicValue = sched === 'manual' ? 'manual' : sched === 'every hour' ? 'hour' : m ? m[1] : null
  const mode = radios('ds-sched-mode', [['basic', 'Basic'], ['advanced', 'Advanced']], basicValue ? 'basic' : 'advanced')
  const frequency = h('select', {}, BASIC.map(([v, t]) => h('option', { value: v, selected: v === (basicValue || 'day') }, t)))
  const at = h('input', { type: 'time', value: m ? m[2] : '06:00' })
  const advanced = h('input', { type: 'text', value: sched, spellcheck: 'false' })
  const startLater = h('input', { type: 'checkbox', id: 'ds-start-later', checked: !!d.scheduling.start_at })
  const startAt = h('input', { type: 'datetime-local', value: d.scheduling.start_at ? d.scheduling.start_at.slice(0, 16) : '' })
  const retry = h('input', { type: 'text', value: d.scheduling.retry, spellcheck: 'false' })
  const update = h('select', {}, [['replace', 'Replace'], ['append', 'Append'], ['partition', 'Partition']].map(([v, t]) =>
    h('option', { value: v, selected: v === d.scheduling.update_method }, t)))
  const scheduling = h('fieldset', { id: 'pane-scheduling' }, h('legend', {}, '3. Scheduling'), mode,
    h('div', { id: 'sched-basic', class: 'row' }, field('ds-frequency', 'Frequency', frequency), field('ds-at', 'At (UTC)', at)),
    h('div', { id: 'sched-advanced' }, field('ds-schedule', 'Schedule', advanced,
      'e.g. "every 6 hours", "every week on mon,thu at 07:00", "cron 0 6 * * *", "every day at 06:00 in Europe/Paris".')),
    h('div', { class: 'choice' }, h('label', {}, startLater, 'Start later')),
    field('ds-start-at', 'First run after (UTC)', startAt),
    field('ds-retry', 'Retry', retry, '"never", or e.g. "always 3 every 10m".'),
    field('ds-update', 'Update method', update))
  const syncSched = () => {
    const basic = radioValue(scheduling, 'ds-sched-mode') === 'basic'
    scheduling.querySelector('#sched-basic').hidden = !basic
    scheduling.querySelector('#sched-advanced').hidden = basic
    at.closest('div').hidden = !['day', 'weekday'].includes(frequency.value)
    startAt.closest('div').hidden = !startLater.checked
  }
  scheduling.addEventListener('change', syncSched)
  syncSched()

  // Name & Describe
  const dsName = h('input', { type: 'text', value: d.name, required: true, autocomplete: 'off' })
  const description = h('textarea', { rows: 2 }, d.description)
  const naming = h('fieldset', { id: 'pane-name' }, h('legend', {}, '4. Name & Describe'),
    field('ds-name', 'Dataset name', dsName, 'Letters, digits and underscores: it is the table you query.'),
    field('ds-description', 'Description', description))

  const collect = () => {
    const range = radioValue(details, 'ds-duration') === 'range'
    let schedule = advanced.value.trim()
    if (radioValue(scheduling, 'ds-sched-mode') === 'basic') {
      const f = frequency.value
      schedule = f === 'manual' ? 'manual' : f === 'hour' ? 'every hour' : `every ${f} at ${at.value || '06:00'}`
    }
    const doc = { name: dsName.value.trim(), description: description.value, account: account.value,
      destination: destKind.value === 'default' ? null : destUrl.value.trim(),
      details: { report_type: reportType.value, schema: schema.value, filter: radioValue(details, 'ds-filter'), bucket: bucket.value, prefix: prefix.value,
        report_name: reportName.value, start: startEnd.spec(), end: range ? endEnd.spec() : '' },
      scheduling: { schedule, start_at: startLater.checked && startAt.value ? startAt.value + ':00Z' : null,
        retry: retry.value.trim(), update_method: update.value } }
    if (destPassword.value && (destKind.value === 'postgresql' || destKind.value === 'clickhouse')) doc.destination_password = destPassword.value
    return doc
  }

  const formError = errorBox('dataset-error')
  const previewBox = h('div', { id: 'preview', 'aria-live': 'polite' })
  const previewBtn = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    setText(formError, '')
    previewBox.replaceChildren(h('p', { class: 'muted' }, 'Loading the preview…'))
    try {
      const draft = collect()
      delete draft.destination_password  // a preview reads S3 only
      const p = await api('POST', '/api/preview?rows=10', draft)
      const cols = p.columns.filter(c => p.rows.some(r => r[c.name] !== undefined && r[c.name] !== ''))
      previewBox.replaceChildren(h('h2', {}, `Preview: ${p.period}, ${p.rows.length} rows (${p.columns.length} columns)`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'preview', id: 'preview-table' },
          h('thead', {}, h('tr', {}, cols.map(c => h('th', { scope: 'col', title: c.type }, `${c.name} (${c.type})`)))),
          h('tbody', {}, p.rows.map(r => h('tr', {}, cols.map(c => h('td', {}, r[c.name] ?? ''))))))))
    } catch (e) { previewBox.replaceChildren(); setText(formError, e.message) }
  } }, 'Load Preview')
  const saveBtn = h('button', { type: 'submit' }, existing ? 'Save changes' : 'Create dataset')
  const form = h('form', { id: 'dataset-form', novalidate: true, onsubmit: async ev => {
    ev.preventDefault()
    setText(formError, '')
    saveBtn.disabled = true
    try {
      const body = collect()
      const saved = existing
        ? await api('PUT', `/api/datasets/${encodeURIComponent(existing.name)}`, body)
        : await api('POST', '/api/datasets', body)
      location.hash = `#/datasets/${encodeURIComponent(saved.name)}`
    } catch (e) { setText(formError, e.message) }
    saveBtn.disabled = false
  } }, credentials, details, scheduling, naming, formError, h('div', { class: 'actions' }, previewBtn, saveBtn), previewBox)
  page(existing ? `Edit ${existing.name}` : 'New dataset', form)
}

// ---- Dataset: periods, run history, charts, Run now ---------------------------------------------------

let stream = null

function progressText(p) {
  const mb = n => (n / 1e6).toFixed(1) + ' MB'
  const left = p.seconds_left === null ? '' : `, ${p.seconds_left} s left`
  return `${mb(p.bytes_read)} of ${mb(p.bytes_total)}, ${p.files_done}/${p.files_total} files, ` +
    `${p.line_items.toLocaleString('en-US')} line items, ${p.line_items_per_second.toLocaleString('en-US')}/s${left}`
}

function watchRun(runId, name, bar, text, state, onEnd) {
  if (stream) stream.close()
  bar.hidden = false
  bar.removeAttribute('value')
  setText(state, `Run ${runId}: running`)
  state.className = 'status-running'
  stream = new EventSource(`/api/runs/${runId}/events`)
  stream.addEventListener('progress', ev => {
    const p = JSON.parse(ev.data)
    if (p.bytes_total > 0) { bar.max = p.bytes_total; bar.value = p.bytes_read }
    setText(text, progressText(p))
  })
  stream.addEventListener('end', ev => {
    stream.close(); stream = null
    const r = JSON.parse(ev.data)
    bar.max = 1; bar.value = 1
    if (r.progress) setText(text, progressText(r.progress))
    setText(state, `Run ${runId}: ${r.state}${r.error ? ' — ' + r.error : ''}`)
    state.className = 'status-' + r.state
    state.dataset.state = r.state
    onEnd && onEnd(r)
  })
  stream.onerror = () => { if (stream && stream.readyState === EventSource.CLOSED) setText(state, `Run ${runId}: lost the progress stream`) }
}

async function viewDataset(name) {
  const enc = encodeURIComponent(name)
  const d = await api('GET', `/api/datasets/${enc}`)
  const bar = h('progress', { id: 'run-progress', max: 1, value: 0, 'aria-label': 'Run progress', hidden: true })
  const text = h('p', { class: 'progress-text', id: 'run-progress-text', 'aria-live': 'polite' })
  const state = h('p', { id: 'run-state', role: 'status' })
  const err = errorBox('dataset-page-error')
  const periodsBox = h('div', { id: 'periods-box' })
  const chartsBox = h('div', { id: 'charts-box' })
  const runsBox = h('div', { id: 'runs-box' })
  const refresh = async () => {
    const [periods, runs] = await Promise.all([api('GET', `/api/datasets/${enc}/periods`), api('GET', `/api/runs?dataset=${enc}&limit=20`)])
    periodsBox.replaceChildren(periods.periods.length ? table([['Period'], ['Status'], ['Line items', 'num'], ['Unblended cost', 'num'], ['Version'], ['Loaded at']],
      periods.periods.map(p => ({ attrs: { 'data-period': p.period }, cells: [p.period, h('span', { class: 'status-' + p.status }, p.status),
        p.line_items.toLocaleString('en-US'), h('span', { class: 'cost', 'data-cost': p.unblended_cost }, p.unblended_cost), p.version, when(p.loaded_at)] })),
      { id: 'periods' }) : h('p', { class: 'muted' }, 'Nothing loaded yet: Run now.'))
    runsBox.replaceChildren(runs.length ? table([['Run', 'num'], ['Started'], ['Trigger'], ['Status'], ['Periods', 'num'], ['Line items', 'num'], ['Error']],
      runs.map(r => ({ attrs: { 'data-run': String(r.id) }, cells: [String(r.id), when(r.started_at), r.trigger,
        h('span', { class: 'status-' + r.state }, r.state), String(r.periods), r.line_items.toLocaleString('en-US'), r.error] })),
      { id: 'runs' }) : h('p', { class: 'muted' }, 'No runs yet.'))
    // A run of another process (the CLI, another serve) has only its record here: say so, and look
    // again until it ends.
    const other = !stream && runs.find(r => r.state === 'running')
    if (other) {
      setText(state, `Run ${other.id} (${other.trigger}) is running in another process: its progress is not shown live; this page refreshes until it ends.`)
      state.className = 'status-running'
      state.dataset.state = 'elsewhere'
      clearTimeout(refresh.timer)
      refresh.timer = setTimeout(() => { if (document.body.contains(periodsBox)) refresh() }, 3000)
    } else if (state.dataset.state === 'elsewhere') {
      setText(state, 'The run of the other process ended: see the run history.')
      state.className = ''
      delete state.dataset.state
    }
    if (!periods.periods.length) { chartsBox.replaceChildren(); return }
    try {
      const [byMonth, byDay] = await Promise.all([
        api('GET', `/api/datasets/${enc}/costs?group_by=service&granularity=month`),
        api('GET', `/api/datasets/${enc}/costs?group_by=service&granularity=day`)])
      chartsBox.replaceChildren(
        h('section', { id: 'chart-month', 'aria-labelledby': 'chart-month-title' }, h('h2', { id: 'chart-month-title' }, 'Cost by month, by service'),
          stackedBars('Cost by month, by service', byMonth.series, { label: d => d.slice(0, 7) })),
        h('section', { id: 'chart-day', 'aria-labelledby': 'chart-day-title' }, h('h2', { id: 'chart-day-title' }, 'Cost by day'),
          stackedBars('Cost by day', byDay.series, { label: d => d.slice(5) })))
    } catch (e) { chartsBox.replaceChildren(h('p', { class: 'error' }, e.message)) }
  }
  const runBtn = h('button', { type: 'button', id: 'run-now', onclick: async () => {
    setText(err, '')
    runBtn.disabled = true
    try {
      const r = await api('POST', `/api/datasets/${enc}/runs`)
      if (r.run_id) watchRun(r.run_id, name, bar, text, state, () => { runBtn.disabled = false; refresh() })
      else { setText(state, 'Queued: the run starts when a run slot frees.'); runBtn.disabled = false }
    } catch (e) {
      if (e.body && e.body.run_id) watchRun(e.body.run_id, name, bar, text, state, () => { runBtn.disabled = false; refresh() })
      else { setText(err, e.message); runBtn.disabled = false }
    }
  } }, 'Run now')
  const del = h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Delete the dataset ${name}? Its data stays unless you drop it.`)) return
    try { await api('DELETE', `/api/datasets/${enc}`); location.hash = '#/' } catch (e) { setText(err, e.message) }
  } }, 'Delete')
  const report = `s3://${d.details.bucket}/${d.details.prefix ? d.details.prefix + '/' : ''}${d.details.report_name}`
  page(d.name,
    h('div', { class: 'card' },
      d.description ? h('p', {}, d.description) : null,
      h('p', { class: 'muted' }, `Account ${d.account || '(none)'} · ${report} · ${d.details.filter} · ${d.details.start}${d.details.end ? ' to ' + d.details.end : ''} · ${d.scheduling.schedule} · next run ${when(d.next_run_at)}`),
      h('div', { class: 'actions' }, runBtn, h('a', { class: 'button secondary', href: `#/datasets/${enc}/edit` }, 'Edit'), del),
      err, state, bar, text),
    h('h2', {}, 'Periods'), periodsBox, chartsBox, h('h2', {}, 'Run history'), runsBox)
  await refresh()
  if (d.running_run_id) watchRun(d.running_run_id, name, bar, text, state, refresh)
}

// ---- routing ----------------------------------------------------------------------------------------

async function route() {
  if (stream) { stream.close(); stream = null }
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/'
  const nav = path.startsWith('/accounts') ? 'accounts' : path === '/new' ? 'new' : 'datasets'
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current')
  }
  try {
    let m
    if (path === '/' || path === '') await viewDatasets()
    else if (path === '/accounts') await viewAccounts()
    else if (path === '/new') await viewEditor(null)
    else if ((m = /^\/datasets\/(.+)\/edit$/.exec(path))) await viewEditor(m[1])
    else if ((m = /^\/datasets\/(.+)$/.exec(path))) await viewDataset(m[1])
    else page('Not found', h('p', {}, 'No such page. '), h('a', { href: '#/' }, 'Datasets'))
  } catch (e) {
    if (e.status === 401) return
    page('Error', h('p', { class: 'error', role: 'alert' }, e.message))
  }
  main.focus()
}

window.addEventListener('hashchange', route)
// The charts are drawn for the screen's width class (charts.js): draw the dataset page again when it changes.
window.matchMedia('(max-width: 640px)').addEventListener('change', () => {
  if (/^#\/datasets\/[^/]+$/.test(location.hash)) route()
})
route()
