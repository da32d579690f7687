#!/usr/bin/env node
// The S3 double for tests and the demo: @20minutes/s3rver on loopback, corrected where it differs
// from real S3 in ways that matter to billpipe (see DESIGN.md, "Test doubles that are real").
//
//   node --openssl-legacy-provider testing/s3/server.js --dir DIR [--port 0] [--bucket NAME]...
//        [--key ID:SECRET]... [--allow-anonymous] [--parent-pid PID]
//        [--bucket-region NAME=REGION[:redirect]]... [--deny ACTION=BUCKET[/KEYPREFIX]]...
//        [--seed BUCKET/PREFIX:COUNT]... [--temp-keys FILE]
//
// Prints one JSON line {"port":N,"pid":P} on stdout once it answers, then serves until SIGTERM.
// Corrections:
//  * ListObjectsV2 returns keys in byte order, reports every common prefix (also of folders that hold
//    only folders), counts common prefixes against max-keys, and pages with opaque tokens, as S3 does.
//  * Requests without a signature are refused with AccessDenied (a private bucket), unless
//    --allow-anonymous.
//  * Every answer carries an x-amz-request-id header, as S3's do.
//  * Temporary keys (--temp-keys FILE, JSON lines {"id","secret","token","expires"} that the AWS
//    sign-in double testing/aws/server.js appends as it issues them): accepted only with their
//    X-Amz-Security-Token and until they expire, then 400 ExpiredToken, as S3 does.
// Simulations (for tests of the client):
//  * --bucket-region NAME=REGION: the bucket lives in REGION. A request signed for another region is
//    answered as S3 does: 400 AuthorizationHeaderMalformed with <Region> (HEAD: 400 with an
//    x-amz-bucket-region header), or with ":redirect" 301 PermanentRedirect with x-amz-bucket-region.
//  * --seed BUCKET/PREFIX:COUNT: before answering, stores COUNT one-byte objects PREFIX00000,
//    PREFIX00001, ... (quicker than COUNT uploads, for listing tests).
//  * --deny ACTION=RESOURCE: authenticated requests still get 403 AccessDenied for ACTION
//    (s3:ListBucket on a bucket NAME, s3:GetObject on NAME/KEYPREFIX).
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const base = path.dirname(require.resolve('@20minutes/s3rver/package.json'))
const lib = (p) => path.join(base, 'lib', p)

function parseArgs(argv) {
  const opts = { dir: null, port: 0, buckets: [], keys: [], allowAnonymous: false, regions: {}, denies: [], seeds: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--dir') opts.dir = next()
    else if (a === '--port') opts.port = Number(next())
    else if (a === '--bucket') opts.buckets.push(next())
    else if (a === '--key') {
      const v = next()
      const at = v.indexOf(':')
      if (at <= 0) throw new Error('--key takes ID:SECRET')
      opts.keys.push([v.slice(0, at), v.slice(at + 1)])
    } else if (a === '--bucket-region') {
      const m = /^([^=]+)=([^:]+)(:redirect)?$/.exec(next())
      if (!m) throw new Error('--bucket-region takes NAME=REGION[:redirect]')
      opts.regions[m[1]] = { region: m[2], redirect: Boolean(m[3]) }
    } else if (a === '--seed') {
      const m = /^([^/]+)\/(.*):(\d+)$/.exec(next())
      if (!m) throw new Error('--seed takes BUCKET/PREFIX:COUNT')
      opts.seeds.push({ bucket: m[1], prefix: m[2], count: Number(m[3]) })
    } else if (a === '--deny') {
      const m = /^(s3:ListBucket|s3:GetObject)=([^/]+)(?:\/(.*))?$/.exec(next())
      if (!m) throw new Error('--deny takes s3:ListBucket=BUCKET or s3:GetObject=BUCKET[/KEYPREFIX]')
      opts.denies.push({ action: m[1], bucket: m[2], prefix: m[3] || '' })
    } else if (a === '--allow-anonymous') opts.allowAnonymous = true
    else if (a === '--parent-pid') opts.parentPid = Number(next())
    else if (a === '--temp-keys') opts.tempKeys = next()
    else throw new Error(`unknown argument ${a}`)
  }
  if (!opts.dir) throw new Error('--dir is required')
  return opts
}

const opts = parseArgs(process.argv.slice(2))
fs.mkdirSync(opts.dir, { recursive: true })

const S3Error = require(lib('models/error'))
const crypto = require('node:crypto')

function signedRegion(ctx) {
  const cred = /Credential=([^,\s]+)/.exec(ctx.headers.authorization || '')
  const value = cred ? cred[1] : ctx.query['X-Amz-Credential'] || ''
  const parts = value.split('/')
  return parts.length >= 5 ? parts[2] : null
}

function checkRegion(ctx) {
  const bucket = ctx.params && ctx.params.bucket
  const home = bucket && opts.regions[bucket]
  if (!home) return
  const region = signedRegion(ctx)
  if (region === null || region === home.region) return
  if (home.redirect || ctx.method === 'HEAD') ctx.set('x-amz-bucket-region', home.region)
  if (home.redirect) {
    throw new S3Error(
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. ' +
        'Please send all future requests to this endpoint.',
      { Bucket: bucket, Endpoint: `${bucket}.s3.${home.region}.amazonaws.com` }
    )
  }
  throw new S3Error(
    'AuthorizationHeaderMalformed',
    `The authorization header is malformed; the region '${region}' is wrong; expecting '${home.region}'`,
    { Region: home.region }
  )
}

// s3rver parses x-amz-date wrongly and never sees a skewed clock; S3 refuses more than 15 minutes.
const MAX_SKEW_MS = 15 * 60 * 1000
function checkSkew(ctx) {
  const amzDate = ctx.headers['x-amz-date'] || ctx.query['X-Amz-Date']
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate || '')
  if (!m || ctx.query['X-Amz-Date']) return // presigned URLs are checked by expiry instead
  const requestTime = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])
  const serverTime = new Date()
  if (Math.abs(serverTime.getTime() - requestTime) > MAX_SKEW_MS) {
    throw new S3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: amzDate,
        ServerTime: serverTime.toISOString().replace(/\.\d+/, ''),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      }
    )
  }
}

function checkDenied(ctx) {
  const bucket = ctx.params && ctx.params.bucket
  let key = ctx.params && ctx.params.key
  if (Array.isArray(key)) key = key.join('/')
  for (const d of opts.denies) {
    if (d.bucket !== bucket) continue
    const isList = ctx.method === 'GET' && !key
    const isGet = (ctx.method === 'GET' || ctx.method === 'HEAD') && key !== undefined && key.startsWith(d.prefix)
    if ((d.action === 's3:ListBucket' && isList) || (d.action === 's3:GetObject' && isGet)) {
      throw new S3Error('AccessDenied', 'Access Denied')
    }
  }
}

// Temporary keys issued by the STS double, re-read whenever the file grows.
const tempKeys = new Map() // id -> {secret, token, expires (ms)}
let tempKeysRead = 0
function loadTempKeys() {
  if (!opts.tempKeys) return
  let text
  try {
    text = fs.readFileSync(opts.tempKeys, 'utf8')
  } catch (err) {
    if (err.code === 'ENOENT') return
    throw err
  }
  const upto = text.lastIndexOf('\n') + 1 // whole lines only: the writer may be mid-line
  if (upto <= tempKeysRead) return
  for (const line of text.slice(tempKeysRead, upto).split('\n')) {
    if (!line.trim()) continue
    const k = JSON.parse(line)
    tempKeys.set(k.id, { secret: k.secret, token: k.token, expires: k.expires })
    require(lib('models/account')).DUMMY_ACCOUNT.createKeyPair(k.id, k.secret)
  }
  tempKeysRead = upto
}

function checkTemporaryKey(ctx) {
  loadTempKeys()
  const cred = /Credential=([^/,\s]+)\//.exec(ctx.headers.authorization || '')
  const id = cred ? cred[1] : (ctx.query['X-Amz-Credential'] || '').split('/')[0]
  const k = tempKeys.get(id)
  if (!k) return
  const token = ctx.headers['x-amz-security-token'] || ctx.query['X-Amz-Security-Token']
  if (token !== k.token) throw new S3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.')
  if (Date.now() >= k.expires) throw new S3Error('ExpiredToken', 'The provided token has expired.')
}

// Refuse unsigned requests: real buckets holding billing data are private.
const authPath = require.resolve(lib('middleware/authentication'))
const realAuth = require(authPath)
require.cache[authPath].exports = () => {
  const inner = realAuth()
  return async function authentication(ctx, next) {
    ctx.set('x-amz-request-id', crypto.randomBytes(8).toString('hex').toUpperCase())
    checkRegion(ctx)
    if ('authorization' in ctx.headers) checkSkew(ctx)
    checkTemporaryKey(ctx)
    const signed =
      'authorization' in ctx.headers || 'X-Amz-Algorithm' in ctx.query || 'Signature' in ctx.query
    if (!signed && !opts.allowAnonymous && ctx.method !== 'OPTIONS') {
      throw new S3Error('AccessDenied', 'Access Denied')
    }
    return inner(ctx, async () => {
      checkDenied(ctx)
      return next()
    })
  }
}

// ListObjectsV2 as real S3 does it.
const bucketCtrl = require(lib('controllers/bucket'))
const realGetBucket = bucketCtrl.getBucket
const { DUMMY_ACCOUNT } = require(lib('models/account'))

function* walkFiles(dir) {
  let entries
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return
    throw err
  }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) yield* walkFiles(p)
    else yield p
  }
}

const OBJECT_SUFFIX = '._S3rver_object'
function allKeys(bucketDir, prefix) {
  // Walk only the folder the prefix reaches into; keys live as <key>._S3rver_object files.
  const slash = prefix.lastIndexOf('/')
  const start = slash === -1 ? bucketDir : path.join(bucketDir, prefix.slice(0, slash))
  const keys = []
  for (const file of walkFiles(start)) {
    if (!file.endsWith(OBJECT_SUFFIX)) continue
    const key = path.relative(bucketDir, file.slice(0, -OBJECT_SUFFIX.length)).split(path.sep).join('/')
    if (key.startsWith(prefix)) keys.push(key)
  }
  keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
  return keys
}

const encodeToken = (s) => Buffer.from(`billpipe-test:${s}`, 'utf8').toString('base64')
function decodeToken(t) {
  const s = Buffer.from(t, 'base64').toString('utf8')
  return s.startsWith('billpipe-test:') ? s.slice('billpipe-test:'.length) : null
}

bucketCtrl.getBucket = async function getBucket(ctx) {
  if (ctx.query['list-type'] !== '2') return realGetBucket(ctx)
  const bucket = ctx.params.bucket
  const prefix = ctx.query.prefix || ''
  const delimiter = ctx.query.delimiter || ''
  let maxKeys = 1000
  if (ctx.query['max-keys'] !== undefined) {
    maxKeys = Number(ctx.query['max-keys'])
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
      throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
        ArgumentName: 'max-keys',
        ArgumentValue: ctx.query['max-keys'],
      })
    }
    maxKeys = Math.min(1000, maxKeys)
  }
  let after = ctx.query['start-after'] || ''
  if (ctx.query['continuation-token']) {
    const decoded = decodeToken(ctx.query['continuation-token'])
    if (decoded === null) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
        ArgumentName: 'continuation-token',
      })
    }
    after = decoded
  }
  const bucketDir = ctx.store.getBucketPath(bucket)
  const entries = [] // {key} or {prefix}
  let isTruncated = false
  let last = null
  for (const key of allKeys(bucketDir, prefix)) {
    if (Buffer.compare(Buffer.from(key), Buffer.from(after)) <= 0) continue
    let entry = { key }
    if (delimiter) {
      const idx = key.indexOf(delimiter, prefix.length)
      if (idx !== -1) {
        const cp = key.slice(0, idx + delimiter.length)
        if (entries.length && entries[entries.length - 1].prefix === cp) continue
        // A continuation that ends on a common prefix resumes past all of its keys.
        if (after.startsWith(cp)) continue
        entry = { prefix: cp }
      }
    }
    if (entries.length >= maxKeys) {
      isTruncated = true
      break
    }
    entries.push(entry)
  }
  if (isTruncated && entries.length) {
    const e = entries[entries.length - 1]
    last = e.key !== undefined ? e.key : e.prefix + '\uffff'
  }
  const objects = []
  for (const e of entries) {
    if (e.key === undefined) continue
    const md = await ctx.store.getMetadata(bucket, e.key)
    objects.push({ key: e.key, md })
  }
  ctx.body = {
    ListBucketResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Name: bucket,
      Prefix: prefix,
      StartAfter: ctx.query['start-after'] || undefined,
      ContinuationToken: ctx.query['continuation-token'] || undefined,
      NextContinuationToken: isTruncated ? encodeToken(last) : undefined,
      KeyCount: entries.length,
      MaxKeys: maxKeys,
      Delimiter: delimiter || undefined,
      IsTruncated: isTruncated,
      Contents: objects.map(({ key, md }) => ({
        Key: key,
        LastModified: new Date(md['last-modified']).toISOString(),
        ETag: md.etag,
        Size: Number(md['content-length']),
        Owner:
          ctx.query['fetch-owner'] === 'true'
            ? { ID: DUMMY_ACCOUNT.id, DisplayName: DUMMY_ACCOUNT.displayName }
            : undefined,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: entries.filter((e) => e.prefix !== undefined).map((e) => ({ Prefix: e.prefix })),
    },
  }
}

const S3rver = require(lib('s3rver'))
const account = require(lib('models/account'))
for (const [id, secret] of opts.keys) account.DUMMY_ACCOUNT.createKeyPair(id, secret)

const server = new S3rver({
  address: '127.0.0.1',
  port: opts.port,
  directory: opts.dir,
  silent: true,
  configureBuckets: opts.buckets.map((name) => ({ name })),
})

// Writes the seeded objects straight into the store's files, as its putObject would (far quicker).
function seed() {
  const md5 = require('node:crypto').createHash('md5').update('x').digest('hex')
  const metadata = JSON.stringify({ 'content-type': 'application/octet-stream' }, null, 2)
  for (const { bucket, prefix, count } of opts.seeds) {
    for (let i = 0; i < count; i++) {
      const key = prefix + String(i).padStart(5, '0')
      const objectPath = server.store.getResourcePath(bucket, key, 'object')
      fs.mkdirSync(path.dirname(objectPath), { recursive: true })
      fs.writeFileSync(objectPath, 'x')
      fs.writeFileSync(server.store.getResourcePath(bucket, key, 'object.md5'), md5)
      fs.writeFileSync(server.store.getResourcePath(bucket, key, 'metadata.json'), metadata)
    }
  }
}

server.run().then(
  (addr) => {
    seed()
    process.stdout.write(JSON.stringify({ port: addr.port, pid: process.pid }) + '\n')
  },
  (err) => {
    process.stderr.write(`s3 test server: ${err.stack || err}\n`)
    process.exit(1)
  }
)
const stop = () => server.close().finally(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Exit with the process that started us, even when it died without stopping us (a crashed test).
if (opts.parentPid) {
  setInterval(() => {
    try {
      process.kill(opts.parentPid, 0)
    } catch {
      stop()
    }
  }, 500).unref()
}
