#!/usr/bin/env node
// A throttling proxy in front of a Kinesis peer (kinesalite, kinesis-local), neither of which
// throttles. It enforces AWS's per-shard write limits on PutRecords and answers each refused
// entry with ProvisionedThroughputExceededException, in the shape AWS's PutRecords answers.
//
//   node tests/peers/kinesis_throttle_proxy.js --listen PORT --backend http://127.0.0.1:BPORT
//        [--bytes-per-sec 1000000] [--records-per-sec 1000] [--stats-path /__stats]
//        [--secrets AKID=SECRET[,AKID=SECRET...]] [--sts http://127.0.0.1:SPORT/__stats]
//        [--account 000000000000] [--map-refresh-ms 1000] [--max-request-bytes 5242880]
//
// Every request other than PutRecords is forwarded as is. For PutRecords the proxy:
//  - keeps a map of the stream's open shards (ListShards against the backend, at most
//    --map-refresh-ms old, and refreshed at once when an entry maps to no known open shard);
//  - maps each entry to its shard as Kinesis does: the hash key is ExplicitHashKey when given,
//    else the MD5 of the PartitionKey read as a 128-bit big-endian integer; the open shard whose
//    [StartingHashKey, EndingHashKey] holds it takes it;
//  - admits entries while the shard's use of the current one-second window (wall clock) stays
//    within both limits (data bytes + partition key bytes; records);
//  - forwards only the admitted entries to the backend in one PutRecords, and merges the
//    answer into one response in the original entry order, refused entries carrying
//    {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for
//    shard ... in stream ... under account ..."} and FailedRecordCount counting them plus the
//    backend's own entry failures (which pass through).
//
// GET <stats-path> returns the counters as JSON (see README.md); POST <stats-path>/reset zeroes
// them. With --secrets (and/or --sts), every request's SigV4 signature is verified; a mismatch
// gets 403 {"__type":"InvalidSignatureException","message":...}. --sts names the StsServer's
// stats URL: access keys it issued are learnt from there (secret, session token, expiry), the
// session token must match and expired credentials get 400 ExpiredTokenException.
//
// Listens on 127.0.0.1 only. Stop it by PID (SIGTERM/SIGINT).
'use strict';

const http = require('http');
const crypto = require('crypto');
const sigv4 = require('./sigv4');

// ------------------------------------------------------------------------------------------
// Arguments

function usage(msg) {
  process.stderr.write(`kinesis_throttle_proxy: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    listen: 0, backend: null, bytesPerSec: 1000000, recordsPerSec: 1000,
    statsPath: '/__stats', secrets: null, sts: null, account: '000000000000', mapRefreshMs: 1000,
    maxRequestBytes: 5 * 1024 * 1024,
  };
  const flags = {
    '--listen': ['listen', Number], '--backend': ['backend', String],
    '--bytes-per-sec': ['bytesPerSec', Number], '--records-per-sec': ['recordsPerSec', Number],
    '--stats-path': ['statsPath', String], '--secrets': ['secrets', String],
    '--sts': ['sts', String], '--account': ['account', String],
    '--map-refresh-ms': ['mapRefreshMs', Number],
    '--max-request-bytes': ['maxRequestBytes', Number],
  };
  for (let i = 0; i < argv.length; i++) {
    const f = flags[argv[i]];
    if (!f || i + 1 >= argv.length) usage(`unknown or incomplete argument ${argv[i]}`);
    const v = f[1](argv[++i]);
    if (f[1] === Number && !(v >= 0)) usage(`${argv[i - 1]} needs a non-negative number`);
    o[f[0]] = v;
  }
  if (!o.backend) usage('--backend URL is required');
  const u = new URL(o.backend);
  if (u.protocol !== 'http:') usage('--backend must be an http:// URL');
  o.backendHost = u.hostname;
  o.backendPort = Number(u.port || 80);
  o.backendPath = u.pathname || '/';
  o.statsPath = o.statsPath.replace(/\/+$/, '') || '/__stats';
  o.secretMap = new Map();
  if (o.secrets) {
    for (const pair of o.secrets.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) usage(`--secrets wants AKID=SECRET pairs, got ${pair}`);
      o.secretMap.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  o.verify = o.secretMap.size > 0 || !!o.sts;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const backendAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

// ------------------------------------------------------------------------------------------
// Stats

const HISTORY_SECONDS = 3600;
let stats;

function resetStats() {
  stats = {
    started_at: Date.now() / 1000,
    limits: { bytes_per_sec: opts.bytesPerSec, records_per_sec: opts.recordsPerSec },
    requests: { total: 0, put_records: 0, forwarded: 0, auth_rejected: 0, backend_errors: 0,
      too_large: 0 },
    entries_seen: 0,
    entries_admitted: 0,
    bytes_admitted: 0,
    entries_throttled: 0,
    entries_backend_failed: 0,
    entries_unmapped: 0,
    entries_mispredicted: 0,
    map_refreshes: 0,
    shards: {},
    history: new Map(),
    auth: { mode: opts.verify ? 'verify' : 'off', verified: 0, rejected: {}, signers: {},
      last_access_key: null, last_with_token: null },
  };
}
resetStats();

function shardStats(id) {
  let s = stats.shards[id];
  if (!s) s = stats.shards[id] = { admitted_records: 0, admitted_bytes: 0, throttled: 0 };
  return s;
}

function secondStats(sec) {
  let h = stats.history.get(sec);
  if (!h) {
    h = { second: sec, seen: 0, admitted: 0, admitted_bytes: 0, throttled: 0, shards: {} };
    stats.history.set(sec, h);
    if (stats.history.size > HISTORY_SECONDS) {
      stats.history.delete(stats.history.keys().next().value);
    }
  }
  return h;
}

function secondShard(h, id) {
  let s = h.shards[id];
  if (!s) s = h.shards[id] = { admitted: 0, admitted_bytes: 0, throttled: 0 };
  return s;
}

function statsJson() {
  const out = Object.assign({}, stats);
  out.now = Date.now() / 1000;
  out.history = Array.from(stats.history.values()).sort((a, b) => a.second - b.second);
  out.shard_map = {};
  for (const [name, m] of shardMaps) {
    out.shard_map[name] = { age_ms: m.fetchedAt ? Date.now() - m.fetchedAt : null,
      open_shards: m.shards.map((s) => s.id) };
  }
  return JSON.stringify(out);
}

// ------------------------------------------------------------------------------------------
// Credentials (verify mode)

const tempCreds = new Map(); // akid -> {secret, token, expiresAt}
let stsFetch = null;

function fetchStsCredentials() {
  if (!opts.sts) return Promise.resolve();
  if (stsFetch) return stsFetch;
  stsFetch = new Promise((resolve) => {
    const req = http.get(opts.sts, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          const doc = JSON.parse(Buffer.concat(chunks).toString());
          for (const c of doc.issued || []) {
            tempCreds.set(c.access_key_id, { secret: c.secret_access_key, token: c.session_token,
              expiresAt: Date.parse(c.expiration) });
          }
        } catch (e) { /* not answered: unknown keys stay unknown */ }
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.setTimeout(5000, () => req.destroy());
  }).finally(() => { stsFetch = null; });
  return stsFetch;
}

function lookupSecret(akid) {
  if (opts.secretMap.has(akid)) return opts.secretMap.get(akid);
  const t = tempCreds.get(akid);
  return t ? t.secret : undefined;
}

async function authenticate(req, body) {
  const auth = sigv4.parseAuthorization(req.headers.authorization);
  if (auth && lookupSecret(auth.accessKey) === undefined) await fetchStsCredentials();
  const r = sigv4.verify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body,
    lookupSecret });
  if (r.ok) {
    const t = tempCreds.get(r.accessKey);
    if (t && !opts.secretMap.has(r.accessKey)) {
      if (r.sessionToken !== t.token) {
        return { ok: false, status: 400, type: 'UnrecognizedClientException', accessKey: r.accessKey,
          message: 'The security token included in the request is invalid.' };
      }
      if (Date.now() >= t.expiresAt) {
        return { ok: false, status: 400, type: 'ExpiredTokenException', accessKey: r.accessKey,
          message: 'The security token included in the request is expired' };
      }
    }
  }
  return r;
}

function noteSigner(akid, withToken, ok) {
  if (!akid) return;
  let s = stats.auth.signers[akid];
  if (!s) s = stats.auth.signers[akid] = { requests: 0, with_token: 0, without_token: 0, rejected: 0 };
  s.requests++;
  if (withToken) s.with_token++; else s.without_token++;
  if (!ok) s.rejected++;
  stats.auth.last_access_key = akid;
  stats.auth.last_with_token = withToken;
}

// ------------------------------------------------------------------------------------------
// Backend calls

function backendRequest(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: opts.backendHost, port: opts.backendPort, method, path,
      headers, agent: backendAgent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(60000, () => req.destroy(new Error('backend timed out')));
    req.end(body);
  });
}

// Signs one of the proxy's own JSON calls to the backend as `akid` (with its secret when the
// proxy knows it; neither peer verifies signatures, kinesis-local reads the account from it).
function signedJsonHeaders(target, body, signer) {
  const host = `${opts.backendHost}:${opts.backendPort}`;
  const base = { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
  const added = sigv4.sign({ method: 'POST', path: opts.backendPath, query: '', headers: base, body,
    accessKey: signer.accessKey, secretKey: lookupSecret(signer.accessKey) || 'proxy-secret',
    region: signer.region, service: 'kinesis', sessionToken: signer.sessionToken });
  return Object.assign(base, added, { 'content-length': Buffer.byteLength(body) });
}

// ------------------------------------------------------------------------------------------
// Shard maps

const shardMaps = new Map(); // stream -> {fetchedAt, shards: [{id, start, end}] sorted, pending}

async function listOpenShards(stream, signer) {
  const shards = [];
  let payload = { StreamName: stream };
  for (let page = 0; page < 1000; page++) {
    const body = JSON.stringify(payload);
    const res = await backendRequest('POST', opts.backendPath,
      signedJsonHeaders('Kinesis_20131202.ListShards', body, signer), body);
    if (res.status !== 200) throw new Error(`ListShards ${stream}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
    const doc = JSON.parse(res.body.toString());
    for (const s of doc.Shards || []) {
      const range = s.SequenceNumberRange || {};
      if (range.EndingSequenceNumber != null) continue; // closed
      shards.push({ id: s.ShardId, start: BigInt(s.HashKeyRange.StartingHashKey),
        end: BigInt(s.HashKeyRange.EndingHashKey) });
    }
    if (!doc.NextToken) break;
    payload = { NextToken: doc.NextToken };
  }
  shards.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return shards;
}

function shardMap(stream, signer, force) {
  let m = shardMaps.get(stream);
  if (!m) { m = { fetchedAt: 0, shards: [], pending: null }; shardMaps.set(stream, m); }
  const fresh = m.fetchedAt && Date.now() - m.fetchedAt < opts.mapRefreshMs;
  if (fresh && !force) return Promise.resolve(m);
  if (!m.pending) {
    m.pending = listOpenShards(stream, signer).then((shards) => {
      m.shards = shards;
      m.fetchedAt = Date.now();
      stats.map_refreshes++;
      return m;
    }, (err) => {
      process.stderr.write(`kinesis_throttle_proxy: ${err.message}\n`);
      m.fetchedAt = Date.now(); // no retry storm: try again after the refresh period
      return m;
    }).finally(() => { m.pending = null; });
  }
  return m.pending;
}

function findShard(shards, hash) {
  let lo = 0, hi = shards.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = shards[mid];
    if (hash < s.start) hi = mid - 1;
    else if (hash > s.end) lo = mid + 1;
    else return s.id;
  }
  return null;
}

function hashKeyOf(entry) {
  if (entry.ExplicitHashKey != null) {
    try { return BigInt(entry.ExplicitHashKey); } catch (e) { return null; }
  }
  const pk = typeof entry.PartitionKey === 'string' ? entry.PartitionKey : '';
  return BigInt('0x' + crypto.createHash('md5').update(pk, 'utf8').digest('hex'));
}

function base64Length(b64) {
  if (typeof b64 !== 'string') return 0;
  let n = b64.length;
  while (n > 0 && b64.charCodeAt(n - 1) === 61 /* = */) n--;
  return Math.floor((n * 3) / 4);
}

// ------------------------------------------------------------------------------------------
// Rate windows: per stream and shard, a fixed one-second window on the wall clock.

const windows = new Map(); // "stream/shard" -> {sec, records, bytes}

function admit(stream, shard, size, sec) {
  const key = stream + '/' + shard;
  let w = windows.get(key);
  if (!w || w.sec !== sec) { w = { sec, records: 0, bytes: 0 }; windows.set(key, w); }
  if (w.records + 1 > opts.recordsPerSec || w.bytes + size > opts.bytesPerSec) return false;
  w.records++;
  w.bytes += size;
  return true;
}

function unadmit(stream, shard, size, sec) {
  const w = windows.get(stream + '/' + shard);
  if (w && w.sec === sec) { w.records--; w.bytes -= size; }
}

// ------------------------------------------------------------------------------------------
// Handlers

function send(res, status, headers, body) {
  res.writeHead(status, Object.assign({ 'content-length': Buffer.byteLength(body) }, headers));
  res.end(body);
}

function sendJson(res, status, obj, requestId) {
  send(res, status, { 'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': requestId || crypto.randomUUID() }, JSON.stringify(obj));
}

async function forward(req, res, body) {
  stats.requests.forwarded++;
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const n = req.rawHeaders[i];
    if (n.toLowerCase() === 'connection' || n.toLowerCase() === 'keep-alive') continue;
    if (headers[n] === undefined) headers[n] = req.rawHeaders[i + 1];
    else headers[n] = [].concat(headers[n], req.rawHeaders[i + 1]);
  }
  const r = await backendRequest(req.method, req.url, headers, body);
  const out = {};
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    const n = r.rawHeaders[i].toLowerCase();
    if (n === 'connection' || n === 'keep-alive' || n === 'transfer-encoding' || n === 'content-length') continue;
    out[r.rawHeaders[i]] = r.rawHeaders[i + 1];
  }
  send(res, r.status, out, r.body);
}

function streamNameOf(doc) {
  if (typeof doc.StreamName === 'string') return doc.StreamName;
  if (typeof doc.StreamARN === 'string') {
    const m = /:stream\/([^/]+)$/.exec(doc.StreamARN);
    if (m) return m[1];
  }
  return null;
}

async function putRecords(req, res, body, signer) {
  stats.requests.put_records++;
  let doc;
  try { doc = JSON.parse(body.toString('utf8')); } catch (e) { doc = null; }
  const stream = doc && streamNameOf(doc);
  if (!doc || !stream || !Array.isArray(doc.Records) || doc.Records.length === 0 ||
      !/json/.test(req.headers['content-type'] || '')) {
    return forward(req, res, body); // the backend answers malformed requests its own way
  }
  const entries = doc.Records;
  const n = entries.length;
  const hashes = entries.map(hashKeyOf);
  let map = await shardMap(stream, signer, false);
  let shardOf = hashes.map((h) => (h === null ? null : findShard(map.shards, h)));
  if (shardOf.some((s, i) => s === null && hashes[i] !== null)) {
    map = await shardMap(stream, signer, true);
    shardOf = hashes.map((h) => (h === null ? null : findShard(map.shards, h)));
  }

  // AWS's request limit: 5 MiB of data and partition keys in one PutRecords.
  let total = 0;
  for (const e of entries) {
    total += base64Length(e.Data) + Buffer.byteLength(typeof e.PartitionKey === 'string' ? e.PartitionKey : '', 'utf8');
  }
  if (total > opts.maxRequestBytes) {
    stats.requests.too_large++;
    return sendJson(res, 400, { __type: 'InvalidArgumentException',
      message: `Records size exceeds ${opts.maxRequestBytes} bytes limit (got ${total} bytes of data and partition keys).` });
  }

  const sec = Math.floor(Date.now() / 1000);
  const hist = secondStats(sec);
  const account = /^\d{12}$/.test(signer.accessKey || '') ? signer.accessKey : opts.account;
  const results = new Array(n);
  const admittedIdx = [];
  const sizes = new Array(n);
  let throttled = 0;
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    const size = base64Length(e.Data) + Buffer.byteLength(typeof e.PartitionKey === 'string' ? e.PartitionKey : '', 'utf8');
    sizes[i] = size;
    const shard = shardOf[i];
    stats.entries_seen++;
    hist.seen++;
    if (shard === null) { // no open shard known for it: the backend decides
      stats.entries_unmapped++;
      admittedIdx.push(i);
      continue;
    }
    if (admit(stream, shard, size, sec)) {
      admittedIdx.push(i);
    } else {
      throttled++;
      stats.entries_throttled++;
      hist.throttled++;
      shardStats(shard).throttled++;
      secondShard(hist, shard).throttled++;
      results[i] = { ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard ${shard} in stream ${stream} under account ${account}.` };
    }
  }

  if (admittedIdx.length === 0) {
    return sendJson(res, 200, { FailedRecordCount: throttled, Records: results });
  }
  const fwdDoc = Object.assign({}, doc, { Records: admittedIdx.map((i) => entries[i]) });
  const fwdBody = JSON.stringify(fwdDoc);
  let r;
  try {
    r = await backendRequest('POST', opts.backendPath,
      signedJsonHeaders('Kinesis_20131202.PutRecords', fwdBody, signer), fwdBody);
  } catch (err) {
    for (const i of admittedIdx) if (shardOf[i] !== null) unadmit(stream, shardOf[i], sizes[i], sec);
    stats.requests.backend_errors++;
    return sendJson(res, 500, { __type: 'InternalFailure', message: `proxy: backend unreachable: ${err.message}` });
  }
  let answer = null;
  if (r.status === 200) { try { answer = JSON.parse(r.body.toString('utf8')); } catch (e) { answer = null; } }
  if (!answer || !Array.isArray(answer.Records) || answer.Records.length !== admittedIdx.length) {
    // The whole call failed at the backend: pass its answer through, nothing was admitted.
    for (const i of admittedIdx) if (shardOf[i] !== null) unadmit(stream, shardOf[i], sizes[i], sec);
    stats.requests.backend_errors++;
    const out = { 'content-type': r.headers['content-type'] || 'application/x-amz-json-1.1' };
    if (r.headers['x-amzn-requestid']) out['x-amzn-requestid'] = r.headers['x-amzn-requestid'];
    return send(res, r.status, out, r.body);
  }
  let failed = throttled;
  for (let j = 0; j < admittedIdx.length; j++) {
    const i = admittedIdx[j];
    const rec = answer.Records[j];
    results[i] = rec;
    const shard = shardOf[i];
    if (rec && rec.ErrorCode != null) {
      failed++;
      stats.entries_backend_failed++;
      if (shard !== null) unadmit(stream, shard, sizes[i], sec);
      continue;
    }
    // Delivered bytes are counted on the shard the backend names; the rate window stays with
    // the shard the map predicted. A different answer means the map is stale: refresh it.
    const landed = (rec && rec.ShardId) || shard || 'unmapped';
    if (shard !== null && rec && rec.ShardId && rec.ShardId !== shard) {
      stats.entries_mispredicted++;
      const m = shardMaps.get(stream);
      if (m) m.fetchedAt = 0;
    }
    stats.entries_admitted++;
    stats.bytes_admitted += sizes[i];
    hist.admitted++;
    hist.admitted_bytes += sizes[i];
    const ss = shardStats(landed);
    ss.admitted_records++;
    ss.admitted_bytes += sizes[i];
    const hs = secondShard(hist, landed);
    hs.admitted++;
    hs.admitted_bytes += sizes[i];
  }
  const merged = { FailedRecordCount: failed, Records: results };
  if (answer.EncryptionType !== undefined) merged.EncryptionType = answer.EncryptionType;
  return sendJson(res, 200, merged, r.headers['x-amzn-requestid']);
}

async function handle(req, res, body) {
  const path = req.url.split('?')[0];
  if (path === opts.statsPath && req.method === 'GET') {
    return send(res, 200, { 'content-type': 'application/json' }, statsJson());
  }
  if (path === opts.statsPath + '/reset' && req.method === 'POST') {
    resetStats();
    return send(res, 200, { 'content-type': 'application/json' }, '{}');
  }
  if (path === opts.statsPath + '/limits' && req.method === 'POST') {
    // Changing the limits in place, rather than restarting with others, keeps every
    // connection and call in flight: a restart loses answers whose records the backend
    // already stored, and the producer's retries of those would read back as duplicates.
    let limits;
    try {
      limits = JSON.parse(body.toString('utf8') || '{}');
    } catch (err) {
      return send(res, 400, { 'content-type': 'text/plain' }, `limits: not JSON: ${err.message}\n`);
    }
    for (const [field, key] of [['records_per_sec', 'recordsPerSec'], ['bytes_per_sec', 'bytesPerSec']]) {
      if (limits[field] === undefined) continue;
      if (!(Number(limits[field]) >= 0)) {
        return send(res, 400, { 'content-type': 'text/plain' }, `limits: ${field} needs a non-negative number\n`);
      }
      opts[key] = Number(limits[field]);
    }
    stats.limits = { bytes_per_sec: opts.bytesPerSec, records_per_sec: opts.recordsPerSec };
    return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(stats.limits));
  }
  stats.requests.total++;
  const auth = sigv4.parseAuthorization(req.headers.authorization);
  const token = req.headers['x-amz-security-token'];
  const signer = { accessKey: auth ? auth.accessKey : 'AKIDEXAMPLE',
    region: auth ? auth.region : 'us-east-1', sessionToken: token };
  if (opts.verify) {
    const v = await authenticate(req, body);
    noteSigner(v.accessKey || (auth && auth.accessKey), !!token, v.ok);
    if (!v.ok) {
      stats.requests.auth_rejected++;
      stats.auth.rejected[v.type] = (stats.auth.rejected[v.type] || 0) + 1;
      return sendJson(res, v.status, { __type: v.type, message: v.message });
    }
    stats.auth.verified++;
  } else if (auth) {
    noteSigner(auth.accessKey, !!token, true);
  }
  if (req.method === 'POST' && req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords') {
    return putRecords(req, res, body, signer);
  }
  return forward(req, res, body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((err) => {
      process.stderr.write(`kinesis_throttle_proxy: ${err.stack || err}\n`);
      if (!res.headersSent) sendJson(res, 500, { __type: 'InternalFailure', message: `proxy: ${err.message}` });
      else res.destroy();
    });
  });
});
server.keepAliveTimeout = 60000;
server.listen(opts.listen, '127.0.0.1', () => {
  process.stdout.write(`kinesis_throttle_proxy listening on 127.0.0.1:${server.address().port}` +
    ` -> ${opts.backend} (${opts.recordsPerSec} records/s, ${opts.bytesPerSec} B/s per shard` +
    `${opts.verify ? ', SigV4 verified' : ''})\n`);
});
server.on('error', (err) => {
  process.stderr.write(`kinesis_throttle_proxy: ${err.message}\n`);
  process.exit(1);
});
function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 300).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
