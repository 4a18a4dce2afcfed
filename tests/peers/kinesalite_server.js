#!/usr/bin/env node
// Starts kinesalite (an in-memory Kinesis implementation, npm) on 127.0.0.1 only, with short
// stream state delays so tests are quick and a shard limit large enough for resharding tests.
//
//   node tests/peers/kinesalite_server.js --port 4567 [--create-ms 50] [--update-ms 50]
//        [--delete-ms 50] [--shard-limit 64]
//
// Prints "kinesalite listening on 127.0.0.1:PORT" once it accepts connections. Stop it by PID
// (SIGTERM or SIGINT).
'use strict';

const path = require('path');

function parseArgs(argv) {
  const opts = { port: 0, createMs: 50, updateMs: 50, deleteMs: 50, shardLimit: 64 };
  const names = {
    '--port': 'port', '--create-ms': 'createMs', '--update-ms': 'updateMs',
    '--delete-ms': 'deleteMs', '--shard-limit': 'shardLimit',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) {
      process.stderr.write(`kinesalite_server: unknown or incomplete argument ${argv[i]}\n`);
      process.exit(2);
    }
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 0) {
      process.stderr.write(`kinesalite_server: ${argv[i - 1]} needs a non-negative integer\n`);
      process.exit(2);
    }
    opts[key] = value;
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const kinesalite = require(path.join(__dirname, 'node_modules', 'kinesalite'));

// No `path` option: kinesalite keeps everything in memory (memdown), nothing touches the disk.
const server = kinesalite({
  createStreamMs: opts.createMs,
  updateStreamMs: opts.updateMs,
  deleteStreamMs: opts.deleteMs,
  shardLimit: opts.shardLimit,
});

server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`kinesalite listening on 127.0.0.1:${server.address().port}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`kinesalite_server: ${err.message}\n`);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
