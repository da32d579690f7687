#!/usr/bin/env node
// A fault-injecting HTTP proxy for tests: it sits between a client and the S3 double and, per request,
// answers 503 SlowDown or 500 InternalError with S3's XML body, resets the connection after N body
// bytes, truncates the body after N bytes, delays, or stalls. Requests are forwarded unchanged (Host
// header included, so SigV4 signatures stay valid).
//
//   node testing/s3/fault_proxy.js --upstream http://127.0.0.1:PORT [--port 0] [--parent-pid PID]
//
// Prints one JSON line {"port":N,"pid":P} once it listens. Control, on the same port:
//   PUT    /__faults   body {"faults":[RULE...]}  replaces the rules (and clears the log)
//   GET    /__faults   {"pending":[RULE...], "log":[{conn, method, host, path, range, fault}...]}
//                      (conn numbers the client's connections: equal numbers mean a reused connection)
//   DELETE /__faults   removes every rule and clears the log
// A RULE: {"action": "slowdown"|"error500"|"denied"|"reset"|"truncate"|"delay"|"stall",
//          "method": "GET" (optional), "path": "/bucket/key" (optional; prefix of the request path),
//          "times": 1 (how many matching requests it applies to, default 1),
//          "after_bytes": N (reset/truncate/stall: body bytes passed before the fault, default 0),
//          "delay_ms": M (delay: before forwarding), "retry_after": S (slowdown: Retry-After header)}
// ("denied" answers 403 AccessDenied: a failure the client does not retry.)
// The first pending rule that matches a request is used and its count decreased.
'use strict'
const http = require('node:http')
const crypto = require('node:crypto')

function parseArgs(argv) {
  const opts = { upstream: null, port: 0, parentPid: 0 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--upstream') opts.upstream = new URL(next())
    else if (a === '--port') opts.port = Number(next())
    else if (a === '--parent-pid') opts.parentPid = Number(next())
    else throw new Error(`unknown argument ${a}`)
  }
  if (!opts.upstream) throw new Error('--upstream is required')
  return opts
}

const opts = parseArgs(process.argv.slice(2))
let rules = []
let log = []
let connections = 0 // numbers each client connection, so tests can see connection reuse

function s3Error(res, status, code, message, retryAfter) {
  const requestId = crypto.randomBytes(8).toString('hex').toUpperCase()
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`
  const headers = {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  }
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  res.writeHead(status, headers)
  res.end(body)
}

function control(req, res) {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    if (req.method === 'PUT') {
      rules = (JSON.parse(body || '{}').faults || []).map((r) => ({ times: 1, after_bytes: 0, ...r }))
      log = []
    } else if (req.method === 'DELETE') {
      rules = []
      log = []
    }
    const out = JSON.stringify({ pending: rules.filter((r) => r.times > 0), log })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
    res.end(out)
  })
}

function takeRule(req) {
  const path = req.url.split('?')[0]
  for (const r of rules) {
    if (r.times <= 0) continue
    if (r.method && r.method !== req.method) continue
    if (r.path && !path.startsWith(r.path)) continue
    r.times--
    return r
  }
  return null
}

// Forwards req upstream; with a body fault, passes after_bytes body bytes and then breaks.
function forward(req, res, rule) {
  const up = http.request(
    {
      host: opts.upstream.hostname,
      port: opts.upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers)
      const bodyFault = rule && ['reset', 'truncate', 'stall'].includes(rule.action) ? rule : null
      if (!bodyFault) {
        upRes.pipe(res)
        return
      }
      let left = bodyFault.after_bytes
      let broken = false
      const breakNow = () => {
        if (broken) return
        broken = true
        upRes.destroy()
        if (bodyFault.action === 'reset') {
          // Let what was written reach the socket, then RST.
          res.write('', () => setTimeout(() => res.socket && res.socket.resetAndDestroy(), 20))
        } else if (bodyFault.action === 'truncate') {
          res.socket.end() // FIN after the bytes written: the body is shorter than Content-Length
        } // stall: keep the connection open and send nothing more
      }
      if (left <= 0) {
        res.flushHeaders()
        breakNow()
        return
      }
      upRes.on('data', (chunk) => {
        if (broken) return
        if (chunk.length < left) {
          left -= chunk.length
          res.write(chunk)
          return
        }
        res.write(chunk.subarray(0, left))
        left = 0
        breakNow()
      })
      upRes.on('end', () => {
        if (!broken) res.end()
      })
    }
  )
  up.on('error', (err) => {
    if (!res.headersSent) s3Error(res, 502, 'BadGateway', `proxy: ${err.message}`)
    else res.destroy()
  })
  req.pipe(up)
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__faults')) return control(req, res)
  const rule = takeRule(req)
  if (req.socket.billpipeId === undefined) req.socket.billpipeId = ++connections
  log.push({ conn: req.socket.billpipeId, method: req.method, host: req.headers.host, path: req.url, range: req.headers.range || null, fault: rule ? rule.action : null })
  if (!rule) return forward(req, res, null)
  switch (rule.action) {
    case 'slowdown':
      return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.', rule.retry_after)
    case 'error500':
      return s3Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.')
    case 'denied':
      return s3Error(res, 403, 'AccessDenied', 'Access Denied')
    case 'delay':
      return setTimeout(() => forward(req, res, null), rule.delay_ms || 0)
    case 'reset':
    case 'truncate':
    case 'stall':
      return forward(req, res, rule)
    default:
      return s3Error(res, 500, 'InternalError', `proxy: unknown action ${rule.action}`)
  }
})
server.keepAliveTimeout = 60000

server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, pid: process.pid }) + '\n')
})
const stop = () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 500).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
if (opts.parentPid) {
  setInterval(() => {
    try {
      process.kill(opts.parentPid, 0)
    } catch {
      stop()
    }
  }, 500).unref()
}
