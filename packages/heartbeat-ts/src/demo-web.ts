#!/usr/bin/env node
/**
 * The demo's web service: a small HTTP server the cluster runs through ocf:heartbeat-ts:anything
 * (`demo-web.js --port N`). It answers every request with the node it runs on (the executor
 * gives agents OCF_RESKEY_CRM_meta_on_node, and the anything agent passes its environment on),
 * so `curl` shows where the cluster put it. Stops on SIGTERM.
 */
import { createServer } from 'node:http';

const i = process.argv.indexOf('--port');
const port = Number(i >= 0 ? process.argv[i + 1] : 8080);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`demo-web: --port: "${process.argv[i + 1]}" is not a TCP port\n`);
  process.exit(64);
}
const node = process.env.OCF_RESKEY_CRM_meta_on_node ?? process.env.HA_NODE ?? 'unknown';
const started = new Date().toISOString();
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`heartbeat-ts demo: served by ${node} since ${started}\n`);
});
server.on('error', (e) => {
  process.stderr.write(`demo-web: ${e.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
