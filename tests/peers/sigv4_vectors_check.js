#!/usr/bin/env node
// Checks sigv4.js's verifier against the SigV4 test suite (shared/testdata/aws-sigv4): every
// header-signed request must verify, and the same request with one byte of the signature
// changed must not. Usage: node sigv4_vectors_check.js DIR
'use strict';
const fs = require('fs');
const path = require('path');
const sigv4 = require('./sigv4');

const dir = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
for (const name of fs.readdirSync(dir).sort()) {
  const caseDir = path.join(dir, name);
  const signedPath = path.join(caseDir, 'header-signed-request.txt');
  if (!fs.existsSync(signedPath)) continue;
  const ctx = JSON.parse(fs.readFileSync(path.join(caseDir, 'context.json'), 'utf8'));
  if (!ctx.normalize) { skipped++; continue; }  // S3-style (no path normalization): not ours.
  const text = fs.readFileSync(signedPath, 'utf8');
  const blank = text.indexOf('\n\n');
  const head = blank < 0 ? text : text.slice(0, blank);
  const body = blank < 0 ? '' : text.slice(blank + 2);
  const lines = head.split('\n');
  const first = lines.shift();
  const sp1 = first.indexOf(' '), sp2 = first.lastIndexOf(' ');
  const method = first.slice(0, sp1), url = first.slice(sp1 + 1, sp2);
  const raw = [];
  for (const line of lines) {
    // A folded (obs-fold) line continues the previous header's value, joined by one space.
    if (/^\s/.test(line) && raw.length) { raw[raw.length - 1] += ' ' + line.trim(); continue; }
    const c = line.indexOf(':');
    raw.push(line.slice(0, c), line.slice(c + 1));
  }
  const check = (rawHeaders) => sigv4.verify({ method, url, rawHeaders, body,
    lookupSecret: (k) => (k === ctx.credentials.access_key_id ? ctx.credentials.secret_access_key : undefined),
    maxSkewMs: Infinity });
  const good = check(raw);
  const bad = check(raw.map((v, i) => (i % 2 === 1 && raw[i - 1].toLowerCase() === 'authorization')
    ? v.replace(/Signature=(.)/, (m, c) => 'Signature=' + (c === '0' ? '1' : '0')) : v));
  if (good.ok && !bad.ok) passed++;
  else { failed++; console.log(`FAIL ${name}: ${JSON.stringify(good)}`); }
}
console.log(`sigv4 vectors: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
