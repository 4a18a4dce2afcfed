// SigV4 (Authorization header form) for the test peers: signing the proxy's own requests and
// verifying the signature of a client's request. Node built-ins only.
'use strict';

const crypto = require('crypto');

function sha256Hex(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function signingKey(secret, date, region, service) {
  let k = hmac('AWS4' + secret, date);
  k = hmac(k, region);
  k = hmac(k, service);
  return hmac(k, 'aws4_request');
}

// RFC 3986 encoding, as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (uppercase).
function uriEncode(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(text) {
  try { return decodeURIComponent(text.replace(/\+/g, '%20')); } catch (e) { return text; }
}

// The canonical URI of a non-S3 service: the path normalized (no empty or dot segments), each
// segment URI-encoded once more on top of how it was sent.
function canonicalUri(rawPath) {
  const out = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') { out.pop(); continue; }
    out.push(uriEncode(seg));
  }
  let uri = '/' + out.join('/');
  if (rawPath.length > 1 && rawPath.endsWith('/') && uri !== '/') uri += '/';
  return uri;
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  const pairs = rawQuery.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => k + '=' + v).join('&');
}

function trimValue(v) {
  return String(v).trim().replace(/\s+/g, ' ');
}

// headers: {lowercase name: value or [values]}. Returns {canonical, signed} for `names`.
function canonicalHeaders(headers, names) {
  let canonical = '';
  for (const n of names) {
    const v = headers[n];
    const value = Array.isArray(v) ? v.map(trimValue).join(',') : trimValue(v === undefined ? '' : v);
    canonical += n + ':' + value + '\n';
  }
  return canonical;
}

function stringToSign(amzDate, scope, canonicalRequest) {
  return ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
}

// Signs a request: returns the headers to add (x-amz-date, x-amz-security-token if any,
// authorization). `headers` holds lowercase names -> values and must include host.
function sign({ method, path, query, headers, body, accessKey, secretKey, region, service,
  sessionToken, now }) {
  const date = now || new Date();
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const all = Object.assign({}, headers, { 'x-amz-date': amzDate });
  if (sessionToken) all['x-amz-security-token'] = sessionToken;
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = {};
  for (const [k, v] of Object.entries(all)) lower[k.toLowerCase()] = v;
  const signed = names.join(';');
  const creq = [method, canonicalUri(path || '/'), canonicalQuery(query || ''),
    canonicalHeaders(lower, names), signed, sha256Hex(body || '')].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const sig = crypto.createHmac('sha256', signingKey(secretKey, amzDate.slice(0, 8), region, service))
    .update(stringToSign(amzDate, scope, creq)).digest('hex');
  const out = { 'x-amz-date': amzDate };
  if (sessionToken) out['x-amz-security-token'] = sessionToken;
  out.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
  return out;
}

// Parses "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=hex". Returns null when it is not that shape.
function parseAuthorization(value) {
  if (!value) return null;
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value.trim());
  if (!m) return null;
  const params = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!params.Credential || !params.SignedHeaders || !params.Signature) return null;
  const cred = params.Credential.split('/');
  if (cred.length !== 5 || cred[4] !== 'aws4_request') return null;
  return {
    accessKey: cred[0], date: cred[1], region: cred[2], service: cred[3],
    scope: cred.slice(1).join('/'), signedHeaders: params.SignedHeaders.split(';'),
    signature: params.Signature,
  };
}

// The request's header values by lowercase name, repeated headers kept as arrays.
function headersFromRaw(rawHeaders) {
  const out = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const n = rawHeaders[i].toLowerCase();
    if (out[n] === undefined) out[n] = rawHeaders[i + 1];
    else if (Array.isArray(out[n])) out[n].push(rawHeaders[i + 1]);
    else out[n] = [out[n], rawHeaders[i + 1]];
  }
  return out;
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

// Verifies a request's SigV4 signature. lookupSecret(accessKey) -> secret or undefined.
// Returns {ok: true, accessKey, sessionToken} or {ok: false, type, message, accessKey}.
function verify({ method, url, rawHeaders, body, lookupSecret, maxSkewMs = 15 * 60 * 1000 }) {
  const headers = headersFromRaw(rawHeaders);
  const auth = parseAuthorization(Array.isArray(headers.authorization) ? headers.authorization[0] : headers.authorization);
  if (!auth) {
    return { ok: false, status: 400, type: headers.authorization ? 'IncompleteSignatureException' : 'MissingAuthenticationTokenException',
      message: headers.authorization ? 'Authorization header is not a well-formed AWS4-HMAC-SHA256 header.' : 'Missing Authentication Token' };
  }
  const sessionToken = headers['x-amz-security-token'];
  const secret = lookupSecret(auth.accessKey);
  if (secret === undefined) {
    return { ok: false, status: 400, type: 'UnrecognizedClientException', accessKey: auth.accessKey,
      message: 'The security token included in the request is invalid.' };
  }
  const amzDate = headers['x-amz-date'];
  const when = parseAmzDate(amzDate);
  if (when === null) {
    return { ok: false, status: 400, type: 'IncompleteSignatureException', accessKey: auth.accessKey,
      message: "Authorization header requires existence of a valid 'X-Amz-Date' header." };
  }
  if (amzDate.slice(0, 8) !== auth.date) {
    return { ok: false, status: 403, type: 'InvalidSignatureException', accessKey: auth.accessKey,
      message: `Credential should be scoped to a valid date, not ${auth.date}.` };
  }
  if (Math.abs(Date.now() - when) > maxSkewMs) {
    return { ok: false, status: 403, type: 'InvalidSignatureException', accessKey: auth.accessKey,
      message: `Signature expired: ${amzDate} is now earlier or later than the allowed skew.` };
  }
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) {
      return { ok: false, status: 403, type: 'InvalidSignatureException', accessKey: auth.accessKey,
        message: `Signed headers must include ${required}.` };
    }
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const creq = [method, canonicalUri(path), canonicalQuery(query),
    canonicalHeaders(headers, auth.signedHeaders), auth.signedHeaders.join(';'),
    sha256Hex(body || '')].join('\n');
  const expected = crypto.createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service))
    .update(stringToSign(amzDate, auth.scope, creq)).digest('hex');
  const given = Buffer.from(auth.signature, 'utf8');
  const want = Buffer.from(expected, 'utf8');
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
    return { ok: false, status: 403, type: 'InvalidSignatureException', accessKey: auth.accessKey,
      message: 'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' };
  }
  return { ok: true, accessKey: auth.accessKey, sessionToken, region: auth.region, service: auth.service };
}

module.exports = { sign, verify, parseAuthorization, headersFromRaw, canonicalUri, canonicalQuery, signingKey };
