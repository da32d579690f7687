// Browser tests of the Data Center (docs/datacenter.md): Playwright (npm playwright-core, pinned in
// package-lock.json; it downloads no browser) driving Debian's chromium headless against a real
// `billpipe serve --http` and the S3 double. Run by CTest (tests/CMakeLists.txt) as
//   node tests/ui/datacenter_ui.mjs BILLPIPE_BINARY SCREENSHOT_DIR
// Steps: add an account (wrong secret: the exact message; then right); create a dataset through every
// pane (a bucket name with a slash shows the rule); Load Preview; Run now and watch the progress bar
// finish; the periods table shows the generator's exact totals; the charts' data match the periods; a
// role account (the STS double issues its keys; external id masked after save, kind shown); a dataset with
// a PostgreSQL destination and a password sent once (shown as set, never sent back); the charts' narrow
// layout at phone width keeps axis labels readable.
// Screenshots of each page (at 1280x800, and the dataset page at phone width) go to SCREENSHOT_DIR.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const [billpipe, shots] = process.argv.slice(2)
if (!billpipe || !shots) { console.error('usage: datacenter_ui.mjs BILLPIPE SCREENSHOT_DIR'); process.exit(2) }
const CHROMIUM = process.env.BILLPIPE_CHROMIUM || '/usr/bin/chromium'
if (!fs.existsSync(CHROMIUM)) { console.error(`${CHROMIUM} is missing: run scripts/setup (Debian package chromium)`); process.exit(1) }
fs.mkdirSync(shots, { recursive: true })

const KEY = 'AKIAIOSFODNN7UITESTK'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYUITESTSECRET'
const ROLE = 'arn:aws:iam::444455556666:role/billing-reader'
const EXTERNAL_ID = 'bp-ui-ext-9c41'
const PG_PASSWORD = 'pg-ui-secret-5e8d'
const AUTH = 'Failed to authenticate. Verify the credentials and try again. billpipe is ready, but the credentials you ' +
  'entered are invalid. Verify your account credentials and try again.'
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'billpipe-ui-'))
const children = []
const cleanup = () => { for (const c of children) { try { c.kill('SIGTERM') } catch {} } }
process.on('exit', () => { cleanup(); fs.rmSync(work, { recursive: true, force: true }) })

// Starts a process and resolves with the first match of `pattern` in its output.
function start(cmd, args, env, pattern, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 60000)
    const look = chunk => {
      out += chunk
      const m = pattern.exec(out)
      if (m) { clearTimeout(timer); resolve({ child, match: m }) }
    }
    child.stdout.on('data', look)
    child.stderr.on('data', look)
    child.on('exit', code => reject(new Error(`${what} exited with ${code}: ${out}`)))
  })
}

function sameDecimal(a, b) {
  const parse = t => { const [i, f = ''] = String(t).split('.'); return { n: BigInt(i.replace('-', '') + f) * (i.startsWith('-') ? -1n : 1n), s: f.length } }
  const x = parse(a), y = parse(b), s = Math.max(x.s, y.s)
  return x.n * 10n ** BigInt(s - x.s) === y.n * 10n ** BigInt(s - y.s)
}

function addDecimal(a, b) {
  const parse = t => { const [i, f = ''] = String(t).split('.'); return { n: BigInt(i.replace('-', '') + f) * (i.startsWith('-') ? -1n : 1n), s: f.length } }
  const x = parse(a), y = parse(b), s = Math.max(x.s, y.s)
  const n = x.n * 10n ** BigInt(s - x.s) + y.n * 10n ** BigInt(s - y.s)
  const neg = n < 0n
  const digits = (neg ? -n : n).toString().padStart(s + 1, '0')
  return (neg ? '-' : '') + (s ? digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s) : digits)
}

let step = 0
async function shot(page, name) {
  step += 1
  await page.screenshot({ path: path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true })
}

async function main() {
  // The AWS sign-in double (STS: assumes ROLE with EXTERNAL_ID for KEY) and the S3 double, which accepts
  // the temporary keys STS issues; a generated report in it: September invoiced, October estimated.
  const tempKeys = path.join(work, 'temp-keys.jsonl')
  const sts = await start('node', [path.join(root, 'testing/aws/server.js'), '--parent-pid', String(process.pid), '--key', `${KEY}:${SECRET}`,
    '--role', `${ROLE}:${EXTERNAL_ID}`, '--temp-keys', tempKeys], {}, /"port":(\d+)/, 'the AWS sign-in double')
  const s3 = await start('node', ['--openssl-legacy-provider', path.join(root, 'testing/s3/server.js'), '--dir', path.join(work, 's3'),
    '--bucket', 'billing', '--key', `${KEY}:${SECRET}`, '--temp-keys', tempKeys, '--parent-pid', String(process.pid)], {}, /"port":(\d+)/, 'the S3 double')
  const endpoint = `http://127.0.0.1:${s3.match[1]}`
  const expectedFile = path.join(work, 'expected.json')
  const gen = spawnSync(billpipe, ['curgen', '--upload', '--endpoint-url', endpoint, '--expected', expectedFile, '--bucket', 'billing',
    '--prefix', 'cur', '--report-name', 'daily', '--start-month', '2026-09', '--months', '2', '--line-items', '4000', '--files', '2',
    '--invoiced-months', '1', '--seed', '7', '--quiet'],
  { env: { ...process.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' }, encoding: 'utf8' })
  assert.equal(gen.status, 0, `curgen: ${gen.stderr}`)
  const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'))

  const serve = await start(billpipe, ['serve', '--poll', '1s', '--http', '127.0.0.1:0'],
    { BILLPIPE_HOME: path.join(work, 'home'), BILLPIPE_MASTER_KEY: 'c'.repeat(64), BILLPIPE_TOKEN: '', AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${sts.match[1]}` }, /billpipe Data Center: (http:\/\/[^\s]+)/, 'billpipe serve')
  const url = serve.match[1]
  const ruleRes = await fetch(`${url}api/check/bucket?name=${encodeURIComponent('bill/ing')}`)
  const rule = (await ruleRes.json()).error
  assert.equal(ruleRes.status, 400)

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] })
  const bodies = []
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    page.on('dialog', d => d.accept())
    page.on('response', async r => { try { if (r.url().includes('/api/')) bodies.push(await r.text()) } catch {} })
    const errors = []
    page.on('pageerror', e => errors.push(e.message))
    // A 4xx answer the page expects (the wrong secret's 422, the bad bucket's 400) is logged by the
    // browser as a failed resource: not an error of the page.
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()) })

    await page.goto(url)
    await page.getByText('No datasets yet').waitFor()
    await shot(page, 'datacenter-empty')
    // Keyboard: each page puts the focus on its content; Tab goes on to its first control.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'New dataset')

    // Accounts: a wrong secret shows the exact message; the right one saves, key masked.
    await page.getByRole('link', { name: 'Accounts' }).click()
    await page.getByLabel('Account name').fill('main')
    await page.getByLabel('Access key ID').fill(KEY)
    await page.getByLabel('Secret access key').fill('wrongwrongwrongwrongwrongwrongwrongwrong')
    await page.getByLabel('Endpoint URL (optional)').fill(endpoint)
    await page.getByRole('button', { name: 'Save and test' }).click()
    const accountError = page.locator('#acct-error')
    await accountError.filter({ hasText: 'Failed' }).waitFor()
    const shown = await accountError.textContent()
    assert.ok(shown.startsWith(AUTH), `the account error: ${shown}`)
    assert.ok(shown.includes('SignatureDoesNotMatch'), shown)
    await shot(page, 'accounts-wrong-secret')
    await page.getByLabel('Secret access key').fill(SECRET)
    await page.getByRole('button', { name: 'Save and test' }).click()
    await page.locator('tr[data-account="main"]').waitFor()
    assert.match(await page.locator('tr[data-account="main"]').textContent(), /AKIA…ESTK/)
    assert.match(await page.locator('tr[data-account="main"]').textContent(), /access keys/)

    // A role account: assumed with main's keys through the STS double, tested on save; the external id
    // is masked in the list, and the kind shown.
    await page.getByLabel('Account name').fill('reader')
    await page.getByLabel('Role (assume a role)').check()
    assert.ok(!(await page.getByLabel('Access key ID').isVisible()), 'the keys hide for a role')
    await page.getByLabel('Role ARN').fill(ROLE)
    await page.getByLabel('External ID (optional)').fill(EXTERNAL_ID)
    await page.getByLabel('Source account (optional)').selectOption('main')
    await page.getByLabel('Endpoint URL (optional)').fill(endpoint)
    await page.getByRole('button', { name: 'Save and test' }).click()
    await page.locator('tr[data-account="reader"]').waitFor()
    const reader = await page.locator('tr[data-account="reader"]').textContent()
    assert.equal(await page.locator('tr[data-account="reader"]').getAttribute('data-kind'), 'role')
    assert.ok(reader.includes(ROLE) && reader.includes('…9c41') && reader.includes('via main'), reader)
    assert.ok(!reader.includes(EXTERNAL_ID), `the external id is shown: ${reader}`)
    await shot(page, 'accounts')

    // New dataset through the panes, in the connector's order.
    await page.getByRole('link', { name: 'New dataset' }).first().click()
    await page.locator('#dataset-form').waitFor()
    const legends = await page.locator('#dataset-form > fieldset > legend').allTextContents()
    assert.deepEqual(legends, ['1. Credentials', '2. Details', '3. Scheduling', '4. Name & Describe'])
    await page.getByLabel('Account', { exact: true }).selectOption('main')
    await page.getByLabel('Bucket Name').fill('bill/ing')
    await page.locator('#bucket-error').filter({ hasText: rule }).waitFor()
    assert.equal(await page.getByLabel('Bucket Name').getAttribute('aria-invalid'), 'true')
    await shot(page, 'new-dataset-bad-bucket')
    await page.getByLabel('Bucket Name').fill('billing')
    await page.locator('#bucket-error:empty').waitFor({ state: 'attached' })
    await page.getByLabel('Report Prefix').fill('cur')
    await page.getByRole('button', { name: 'Load report names' }).click()
    await page.locator('#ds-report-name option[value="daily"]').waitFor({ state: 'attached' })
    await page.getByLabel('Report Name').selectOption('daily')
    await page.getByLabel('Estimated').check()
    assert.ok(await page.locator('#filter-hint').isVisible(), 'the Estimated hint shows')
    await page.getByLabel('All', { exact: true }).check()
    assert.ok(!(await page.locator('#filter-hint').isVisible()))
    await page.getByLabel('Date Range').check()
    await page.locator('#ds-start input[value="specific"]').check()
    await page.locator('#ds-end input[value="specific"]').check()
    await page.locator('#ds-start-date').fill('2026-09-01')
    await page.locator('#ds-end-date').fill('2026-10-31')
    await page.getByLabel('Frequency').selectOption('manual')
    await page.getByLabel('Dataset name').fill('costs')
    await page.getByLabel('Description').fill('AWS costs for the team')
    await page.getByRole('button', { name: 'Load Preview' }).click()
    await page.locator('#preview-table tbody tr').first().waitFor()
    assert.equal(await page.locator('#preview-table tbody tr').count(), 10)
    await shot(page, 'new-dataset-preview')
    await page.getByRole('button', { name: 'Create dataset' }).click()
    await page.waitForURL(/#\/datasets\/costs$/)
    await page.getByText('Nothing loaded yet').waitFor()

    // Run now: the progress bar fills and the run succeeds.
    await page.getByRole('button', { name: 'Run now' }).click()
    await page.locator('#run-state[data-state="succeeded"]').waitFor({ timeout: 120000 })
    const bar = await page.locator('#run-progress').evaluate(p => ({ value: p.value, max: p.max, hidden: p.hidden }))
    assert.equal(bar.hidden, false)
    assert.equal(bar.value, bar.max)
    const progressText = await page.locator('#run-progress-text').textContent()
    const total = expected.periods.reduce((n, p) => n + p.rows, 0)
    assert.ok(progressText.includes(`${total.toLocaleString('en-US')} line items`), progressText)
    await page.locator('#periods tbody tr').first().waitFor()

    // Periods: the generator's exact totals.
    for (const p of expected.periods) {
      const month = p.billing_period_start.slice(0, 7)
      const row = page.locator(`#periods tr[data-period="${month}"]`)
      const cost = await row.locator('.cost').getAttribute('data-cost')
      assert.ok(sameDecimal(cost, p.unblended_cost), `${month}: ${cost} vs ${p.unblended_cost}`)
      const text = await row.textContent()
      assert.ok(text.includes(p.rows.toLocaleString('en-US')), `${month} rows: ${text}`)
    }
    assert.match(await page.locator('#periods tr[data-period="2026-09"]').textContent(), /final/)
    assert.match(await page.locator('#periods tr[data-period="2026-10"]').textContent(), /estimated/)
    // Charts: each month's stacked total is its period's total; the days add up to the same.
    await page.locator('#chart-month svg rect').first().waitFor()
    const monthTotals = await page.locator('#chart-month tr.total').evaluateAll(rs => rs.map(r => [r.dataset.date, r.dataset.total]))
    const dayTotals = await page.locator('#chart-day tr.total').evaluateAll(rs => rs.map(r => [r.dataset.date, r.dataset.total]))
    assert.equal(monthTotals.length, expected.periods.length)
    for (const p of expected.periods) {
      const month = p.billing_period_start.slice(0, 7)
      const m = monthTotals.find(([d]) => d === `${month}-01`)
      assert.ok(m && sameDecimal(m[1], p.unblended_cost), `month chart ${month}: ${m} vs ${p.unblended_cost}`)
      const days = dayTotals.filter(([d]) => d.startsWith(month)).map(([, c]) => c)
      const sum = days.reduce((a, c) => addDecimal(a, c), '0')
      assert.ok(sameDecimal(sum, p.unblended_cost), `day chart ${month}: ${sum} vs ${p.unblended_cost}`)
    }
    const bars = await page.locator('#chart-month svg rect').count()
    assert.ok(bars >= expected.periods.length, `bars: ${bars}`)
    await shot(page, 'dataset')
    assert.equal(await page.locator('#runs tbody tr').count(), 1)

    // The Data Center list: last run and the Run now button.
    await page.getByRole('link', { name: 'Datasets' }).click()
    await page.locator('#datasets tr[data-dataset="costs"]').waitFor()
    assert.match(await page.locator('#datasets tr[data-dataset="costs"]').textContent(), /succeeded/)
    await shot(page, 'datacenter')

    // A dataset on the role account into PostgreSQL: the report menu is read with the role's keys; the
    // password is sent once and shown as set, never sent back.
    await page.getByRole('link', { name: 'New dataset' }).first().click()
    await page.locator('#dataset-form').waitFor()
    await page.getByLabel('Account', { exact: true }).selectOption('reader')
    await page.getByLabel('Bucket Name').fill('billing')
    await page.getByLabel('Report Prefix').fill('cur')
    await page.getByRole('button', { name: 'Load report names' }).click()
    await page.locator('#ds-report-name option[value="daily"]').waitFor({ state: 'attached' })
    await page.getByLabel('Report Name').selectOption('daily')
    assert.ok(!(await page.getByLabel('Destination URL').isVisible()), 'the default destination needs no URL')
    await page.getByLabel('Destination', { exact: true }).selectOption('postgresql')
    await page.getByLabel('Destination URL').fill('postgresql://billing@127.0.0.1:1/costs')
    await page.getByLabel('Destination password').fill(PG_PASSWORD)
    assert.equal(await page.locator('#ds-dest-password-state').textContent(), 'Password: not set.')
    await page.getByLabel('Frequency').selectOption('manual')
    await page.getByLabel('Dataset name').fill('pg_costs')
    await shot(page, 'new-dataset-destination')
    await page.getByRole('button', { name: 'Create dataset' }).click()
    await page.waitForURL(/#\/datasets\/pg_costs$/)
    await page.goto(`${url}#/datasets/pg_costs/edit`)
    // A hash change: the new-dataset form (its state "not set") stays until the editor has fetched the
    // dataset, which takes longer with a slow (sanitizer) build. Wait for the editor's own state.
    await page.locator('#ds-dest-password-state').filter({ hasText: 'Password: set' }).waitFor()
    assert.equal(await page.locator('#ds-dest-password-state').textContent(), 'Password: set (never shown; type a new one to replace it).')
    assert.equal(await page.getByLabel('Destination password').inputValue(), '')
    assert.equal(await page.getByLabel('Destination', { exact: true }).inputValue(), 'postgresql')
    assert.equal(await page.getByLabel('Destination URL').inputValue(), 'postgresql://billing@127.0.0.1:1/costs')
    const pgDoc = await (await fetch(`${url}api/datasets/pg_costs`)).json()
    assert.equal(pgDoc.account, 'reader')
    assert.equal(pgDoc.destination_password, '********')

    // Phone width: the dataset page still reads (no page-wide horizontal scroll).
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${url}#/datasets/costs`)
    await page.locator('#periods').waitFor()
    await page.locator('#chart-day svg').waitFor()  // the charts too, before the screenshot
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 1, `horizontal overflow at phone width: ${overflow}px`)
    // The charts' narrow layout: axis labels at least 10 px high on the screen.
    for (const id of ['chart-month', 'chart-day']) {
      const px = await page.locator(`#${id} svg`).evaluate(svg => {
        const label = svg.querySelector('text')
        return { layout: svg.dataset.layout, height: label.getBoundingClientRect().height, font: 11 * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width }
      })
      assert.equal(px.layout, 'narrow', id)
      assert.ok(px.font >= 10, `${id}: axis labels ${px.font.toFixed(1)} px at phone width`)
    }
    await shot(page, 'dataset-phone')
    assert.deepEqual(errors, [], 'no errors in the page')
  } finally {
    await browser.close()
  }
  for (const b of bodies) {
    assert.ok(!b.includes(SECRET), 'a response held the secret')
    assert.ok(!b.includes(EXTERNAL_ID), 'a response held the external id')
    assert.ok(!b.includes(PG_PASSWORD), 'a response held the destination password')
  }
  console.log(`datacenter UI: all steps passed; screenshots in ${shots}`)
}

main().then(() => process.exit(0), e => { console.error(e); process.exit(1) })
