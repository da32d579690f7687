#!/usr/bin/env node
// The AWS sign-in double for tests: STS, EC2 instance metadata (IMDSv2), container credentials and the
// IAM Identity Center (SSO) portal on one loopback port, answering in AWS's wire formats and issuing
// temporary keys that the S3 double (testing/s3/server.js --temp-keys FILE) accepts until they expire.
//
//   node testing/aws/server.js [--port 0] [--parent-pid PID] [--temp-keys FILE]
//        [--key ID:SECRET]...                  long-term keys STS accepts (user arn:aws:iam::111122223333:user/billpipe-test)
//        [--role ARN[:EXTERNAL_ID]]...         roles AssumeRole may assume; with EXTERNAL_ID only with that ExternalId
//        [--web-identity-token TOKEN]          the token AssumeRoleWithWebIdentity accepts (for any --role)
//        [--expires-in SECONDS]                lifetime of issued keys (default: DurationSeconds, else 3600)
//        [--imds-role NAME]                    the instance's role (IMDS); without it IMDS answers 404
//        [--container-token TOKEN]             the Authorization the container endpoint wants (else none)
//        [--sso-token TOKEN --sso-account ID --sso-role NAME]
//
// Prints {"port":N,"pid":P} once listening. Routes:
//   STS       POST / with the form Action=AssumeRole|AssumeRoleWithWebIdentity|GetCallerIdentity&Version=2011-06-15
//             (as the SDKs send it; GET /?Action=... is accepted too). SigV4 checked with the key's secret
//             for service sts, over the URL's query and the body's SHA-256; temporary keys need their
//             X-Amz-Security-Token and must not have expired)
//   IMDS      PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds 1..21600), then
//             GET /latest/meta-data/iam/security-credentials/[ROLE] with X-aws-ec2-metadata-token
//   container GET /container/credentials (Authorization checked when --container-token)
//   SSO       GET /federation/credentials?account_id=&role_name= with x-amz-sso_bearer_token
//   control   GET /__calls: counts per operation, the last ExternalId and session name seen, and
//             "requests": every request line ("POST /", "GET /latest/...") in order
'use strict'
const http = require('node:http')
const crypto = require('node:crypto')
const fs = require('node:fs')

const ACCOUNT = '111122223333'
const opts = { port: 0, keys: new Map(), roles: new Map(), expiresIn: 0 }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const next = () => {
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
    return argv[++i]
  }
  if (a === '--port') opts.port = Number(next())
  else if (a === '--parent-pid') opts.parentPid = Number(next())
  else if (a === '--temp-keys') opts.tempKeys = next()
  else if (a === '--key') {
    const v = next()
    const at = v.indexOf(':')
    opts.keys.set(v.slice(0, at), { secret: v.slice(at + 1), arn: `arn:aws:iam::${ACCOUNT}:user/billpipe-test` })
  } else if (a === '--role') {
    const m = /^(arn:aws:iam::(\d{12}):role\/[^:]+)(?::(.*))?$/.exec(next())
    if (!m) throw new Error('--role takes ARN[:EXTERNAL_ID]')
    opts.roles.set(m[1], { account: m[2], externalId: m[3] })
  } else if (a === '--web-identity-token') opts.webIdentityToken = next()
  else if (a === '--expires-in') opts.expiresIn = Number(next())
  else if (a === '--imds-role') opts.imdsRole = next()
  else if (a === '--container-token') opts.containerToken = next()
  else if (a === '--sso-token') opts.ssoToken = next()
  else if (a === '--sso-account') opts.ssoAccount = next()
  else if (a === '--sso-role') opts.ssoRole = next()
  else throw new Error(`unknown argument ${a}`)
}

const calls = {}
const requestLines = []
let lastExternalId = null
let lastSessionName = null
const count = (name) => (calls[name] = (calls[name] || 0) + 1)

const random = (n, alphabet) => Array.from(crypto.randomBytes(n), (b) => alphabet[b % alphabet.length]).join('')
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

// Issues a temporary key pair for arn, valid for seconds (or --expires-in).
function issue(arn, seconds) {
  const lifetime = opts.expiresIn > 0 ? opts.expiresIn : seconds || 3600
  const k = {
    id: 'ASIA' + random(16, UPPER),
    secret: random(40, B64),
    token: 'IQoJb3JpZ2luX2VjE' + random(120, B64),
    expires: Date.now() + lifetime * 1000,
  }
  opts.keys.set(k.id, { secret: k.secret, token: k.token, expires: k.expires, arn })
  if (opts.tempKeys) fs.appendFileSync(opts.tempKeys, JSON.stringify(k) + '\n')
  return k
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const requestId = () => crypto.randomUUID()

function stsError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'text/xml' })
  res.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n` +
      `  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${esc(message)}</Message>\n  </Error>\n` +
      `  <RequestId>${requestId()}</RequestId>\n</ErrorResponse>\n`
  )
}

function credentialsXml(k) {
  return (
    `      <Credentials>\n        <AccessKeyId>${k.id}</AccessKeyId>\n        <SecretAccessKey>${esc(k.secret)}</SecretAccessKey>\n` +
    `        <SessionToken>${esc(k.token)}</SessionToken>\n        <Expiration>${new Date(k.expires).toISOString()}</Expiration>\n` +
    `      </Credentials>\n`
  )
}

function answer(res, action, inner) {
  res.writeHead(200, { 'content-type': 'text/xml' })
  res.end(
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <${action}Result>\n${inner}  </${action}Result>\n` +
      `  <ResponseMetadata>\n    <RequestId>${requestId()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`
  )
}

// RFC 3986 encoding, as SigV4 wants it.
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex')
const hmac = (key, s) => crypto.createHmac('sha256', key).update(s).digest()

// Checks SigV4 of an STS request; returns the caller's key entry or answers the error and returns null.
function authenticate(req, res, rawQuery, body) {
  const auth = req.headers.authorization || ''
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth
    )
  if (!m) {
    stsError(res, 400, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
    return null
  }
  const [, keyId, day, region, service, signedHeaders, signature] = m
  const key = opts.keys.get(keyId)
  if (!key) {
    stsError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
    return null
  }
  if (key.token !== undefined) {
    if (req.headers['x-amz-security-token'] !== key.token) {
      stsError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.')
      return null
    }
    if (Date.now() >= key.expires) {
      stsError(res, 400, 'ExpiredToken', 'The security token included in the request is expired')
      return null
    }
  }
  const query = rawQuery
    .split('&')
    .filter((p) => p.length)
    .map((p) => {
      const eq = p.indexOf('=')
      const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '))
      return eq === -1 ? [dec(p), ''] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))]
    })
    .map(([k, v]) => [enc(k), enc(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const headers = signedHeaders
    .split(';')
    .map((h) => `${h}:${String(req.headers[h] || '').trim().replace(/\s+/g, ' ')}\n`)
    .join('')
  const path = new URL(req.url, 'http://x').pathname
  const canonical = [req.method, path, query, headers, signedHeaders, sha256(body)].join('\n')
  const amzDate = req.headers['x-amz-date'] || ''
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
  let k = hmac('AWS4' + key.secret, day)
  k = hmac(k, region)
  k = hmac(k, service)
  k = hmac(k, 'aws4_request')
  const expected = crypto.createHmac('sha256', k).update(toSign).digest('hex')
  if (service !== 'sts' || expected !== signature) {
    stsError(
      res,
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'
    )
    return null
  }
  return key
}

function roleName(arn) {
  return arn.slice(arn.indexOf(':role/') + 6).split('/').pop()
}

function sts(req, res, rawQuery, body) {
  if (req.method === 'POST' && !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || ''))
    return stsError(res, 400, 'InvalidAction', 'A POST to STS carries a form (application/x-www-form-urlencoded)')
  const params = new URLSearchParams(req.method === 'POST' ? body : rawQuery)
  const action = params.get('Action')
  count(action || 'unknown')
  if (params.get('Version') !== '2011-06-15') return stsError(res, 400, 'InvalidAction', 'Could not find operation')
  if (action === 'AssumeRoleWithWebIdentity') {
    const arn = params.get('RoleArn')
    lastSessionName = params.get('RoleSessionName')
    const role = opts.roles.get(arn)
    if (!opts.webIdentityToken || params.get('WebIdentityToken') !== opts.webIdentityToken)
      return stsError(res, 400, 'InvalidIdentityToken', 'Incorrect token audience')
    if (!role) return stsError(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity')
    const assumed = `arn:aws:sts::${role.account}:assumed-role/${roleName(arn)}/${lastSessionName}`
    const k = issue(assumed, Number(params.get('DurationSeconds')) || 3600)
    return answer(
      res,
      action,
      `    <SubjectFromWebIdentityToken>system:serviceaccount:billing:billpipe</SubjectFromWebIdentityToken>\n` +
        `    <AssumedRoleUser>\n      <Arn>${assumed}</Arn>\n      <AssumedRoleId>AROAEXAMPLE:${esc(lastSessionName)}</AssumedRoleId>\n    </AssumedRoleUser>\n` +
        credentialsXml(k) +
        `    <Provider>oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider>\n`
    )
  }
  const caller = authenticate(req, res, rawQuery, body)
  if (!caller) return
  if (action === 'GetCallerIdentity') {
    return answer(
      res,
      action,
      `    <Arn>${caller.arn}</Arn>\n    <UserId>AIDAEXAMPLEUSERID</UserId>\n    <Account>${caller.arn.split(':')[4]}</Account>\n`
    )
  }
  if (action === 'AssumeRole') {
    const arn = params.get('RoleArn')
    lastExternalId = params.get('ExternalId')
    lastSessionName = params.get('RoleSessionName')
    const role = opts.roles.get(arn)
    if (!role || (role.externalId !== undefined && role.externalId !== lastExternalId)) {
      return stsError(
        res,
        403,
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`
      )
    }
    const duration = Number(params.get('DurationSeconds')) || 3600
    if (duration < 900 || duration > 43200)
      return stsError(res, 400, 'ValidationError', `1 validation error detected: Value '${duration}' at 'durationSeconds'`)
    const assumed = `arn:aws:sts::${role.account}:assumed-role/${roleName(arn)}/${lastSessionName}`
    const k = issue(assumed, duration)
    return answer(
      res,
      action,
      `    <AssumedRoleUser>\n      <Arn>${assumed}</Arn>\n      <AssumedRoleId>AROAEXAMPLE:${esc(lastSessionName)}</AssumedRoleId>\n    </AssumedRoleUser>\n` +
        credentialsXml(k)
    )
  }
  stsError(res, 400, 'InvalidAction', `Could not find operation ${action}`)
}

const imdsTokens = new Map() // token -> expires (ms)
function imds(req, res, path) {
  if (path === '/latest/api/token') {
    count('imds-token')
    if (req.method !== 'PUT') return res.writeHead(405).end()
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds'])
    if (!(ttl >= 1 && ttl <= 21600)) return res.writeHead(400).end()
    const token = random(56, B64)
    imdsTokens.set(token, Date.now() + ttl * 1000)
    res.writeHead(200, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) })
    return res.end(token)
  }
  const token = req.headers['x-aws-ec2-metadata-token']
  if (!token || !imdsTokens.has(token) || imdsTokens.get(token) < Date.now()) return res.writeHead(401).end()
  const base = '/latest/meta-data/iam/security-credentials/'
  if (!opts.imdsRole) return res.writeHead(404).end()
  if (path === base) {
    count('imds-role')
    res.writeHead(200, { 'content-type': 'text/plain' })
    return res.end(opts.imdsRole)
  }
  if (path === base + opts.imdsRole) {
    count('imds-credentials')
    const k = issue(`arn:aws:sts::${ACCOUNT}:assumed-role/${opts.imdsRole}/i-0123456789abcdef0`, 21600)
    res.writeHead(200, { 'content-type': 'text/plain' })
    return res.end(
      JSON.stringify(
        {
          Code: 'Success',
          LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          Type: 'AWS-HMAC',
          AccessKeyId: k.id,
          SecretAccessKey: k.secret,
          Token: k.token,
          Expiration: new Date(k.expires).toISOString().replace(/\.\d+Z$/, 'Z'),
        },
        null,
        2
      )
    )
  }
  res.writeHead(404).end()
}

function container(req, res) {
  count('container')
  if (opts.containerToken !== undefined && req.headers.authorization !== opts.containerToken) {
    res.writeHead(401, { 'content-type': 'application/json' })
    return res.end(JSON.stringify({ code: 'AccessDenied', message: 'Unauthorized' }))
  }
  const k = issue(`arn:aws:sts::${ACCOUNT}:assumed-role/ecs-task-role/task`, 21600)
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecs-task-role`,
      AccessKeyId: k.id,
      SecretAccessKey: k.secret,
      Token: k.token,
      Expiration: new Date(k.expires).toISOString().replace(/\.\d+Z$/, 'Z'),
    })
  )
}

function sso(req, res, url) {
  count('sso')
  if (!opts.ssoToken || req.headers['x-amz-sso_bearer_token'] !== opts.ssoToken) {
    res.writeHead(401, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' })
    return res.end(JSON.stringify({ message: 'Session token not found or invalid' }))
  }
  if (url.searchParams.get('account_id') !== opts.ssoAccount || url.searchParams.get('role_name') !== opts.ssoRole) {
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'ForbiddenException' })
    return res.end(JSON.stringify({ message: 'No access' }))
  }
  const k = issue(`arn:aws:sts::${opts.ssoAccount}:assumed-role/AWSReservedSSO_${opts.ssoRole}_0123456789abcdef/user`, 3600)
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      roleCredentials: { accessKeyId: k.id, secretAccessKey: k.secret, sessionToken: k.token, expiration: k.expires },
    })
  )
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    const q = req.url.indexOf('?')
    const rawQuery = q === -1 ? '' : req.url.slice(q + 1)
    const url = new URL(req.url, 'http://x')
    try {
      if (url.pathname === '/__calls') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ calls, lastExternalId, lastSessionName, requests: requestLines }))
      }
      requestLines.push(`${req.method} ${req.url}`)
      if (url.pathname.startsWith('/latest/')) return imds(req, res, url.pathname)
      if (url.pathname.startsWith('/container/')) return container(req, res)
      if (url.pathname === '/federation/credentials') return sso(req, res, url)
      if (url.pathname === '/') return sts(req, res, rawQuery, body)
      res.writeHead(404).end()
    } catch (err) {
      res.writeHead(500).end(String(err))
    }
  })
})

server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, pid: process.pid }) + '\n')
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
if (opts.parentPid) {
  setInterval(() => {
    try {
      process.kill(opts.parentPid, 0)
    } catch {
      process.exit(0)
    }
  }, 500).unref()
}
