// A log receiver that accepts and discards, for the https endpoint benchmark: it answers the
// domain-ownership challenge with "*", reads every request body, counts requests and bytes,
// and answers 200. HTTP/1.1 keep-alive. GET /stats returns the counts as JSON.
//
//   node bench/https_discard_server.js PORT
"use strict";
const http = require("http");

const port = Number(process.argv[2] || 0);
let requests = 0;
let bytes = 0;

const server = http.createServer((req, res) => {
  if (req.method === "GET") {
    if (req.url === "/.well-known/fastly/logging/challenge") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("*\n");
    } else if (req.url === "/stats") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ requests, bytes }));
    } else {
      res.writeHead(404);
      res.end();
    }
    return;
  }
  req.on("data", (chunk) => {
    bytes += chunk.length;
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
