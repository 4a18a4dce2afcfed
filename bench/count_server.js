// The counting HTTP receiver of bench/compare.py's W3 and of bench/https_bench.py: it answers
// the domain-ownership challenge with "*", reads every request body, counts requests, bytes and
// lines (newline bytes), and answers 200. HTTP/1.1 keep-alive. GET /stats returns the counts as JSON:
//   {"requests": R, "bytes": B, "lines": L}
// Counting is one Buffer.indexOf (memchr) per line, so it keeps well ahead of the forwarders on
// one core; compare.py reports its CPU seconds beside the forwarder's to show it.
//
//   node bench/count_server.js PORT
"use strict";
const http = require("http");

const port = Number(process.argv[2] || 0);
let requests = 0;
let bytes = 0;
let lines = 0;

function countLines(buf) {
  let n = 0;
  let at = buf.indexOf(10);
  while (at !== -1) {
    n += 1;
    at = buf.indexOf(10, at + 1);
  }
  return n;
}

const server = http.createServer((req, res) => {
  if (req.method === "GET") {
    if (req.url === "/.well-known/fastly/logging/challenge") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("*\n");
    } else if (req.url === "/stats") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ requests, bytes, lines }));
    } else {
      res.writeHead(404);
      res.end();
    }
    return;
  }
  req.on("data", (chunk) => {
    bytes += chunk.length;
    lines += countLines(chunk);
  });
  req.on("end", () => {
    requests += 1;
    res.writeHead(200, { "Content-Length": "0" });
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
