#!/usr/bin/env node
/**
 * heartbeat-ts — the meta-package's command.
 *   heartbeat-ts demo [--port N]    a local 3-node cluster on loopback with resources (no root)
 *   heartbeat-ts setup [--root DIR] [--node NAME]... [--interface IF] [--force]
 *                                   the files a real host needs (ha.cf, authkeys, a first CIB,
 *                                   the systemd unit, the haclient group)
 *   heartbeat-ts version
 */
import { readFileSync } from 'node:fs';

const usage = `Usage: heartbeat-ts COMMAND [options]
  demo [--port N]     a local 3-node cluster on loopback (no root): heartbeat with the CRM on each
                      node, a web service (on 127.0.0.1:N, default 8080) and a Dummy resource;
                      prints what to try; Ctrl-C stops it
  setup [--root DIR] [--node NAME]... [--interface IF] [--force]
                      writes commented /etc/ha.d/ha.cf and authkeys (mode 600), a first CIB, the
                      systemd unit heartbeat-ts.service and the haclient group, and says what to edit
                      (--root: under DIR instead of /; --node: the cluster's nodes, this host first;
                      --force: replace files that exist)
  version             the version of the stack
`;

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'demo': {
    let port = 8080;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--port') port = Number(args[++i]);
      else fail(`demo: unknown option ${args[i]}`);
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) fail('demo: --port needs a TCP port (1-65535)');
    const { runDemo } = await import('./demo.js');
    await runDemo({ port });
    break;
  }
  case 'setup': {
    const { runSetup, UsageError } = await import('./setup.js');
    try {
      process.exit(runSetup(args));
    } catch (e) {
      if (e instanceof UsageError) fail(`setup: ${e.message}`);
      process.stderr.write(`heartbeat-ts setup: ${(e as Error).message}\n`);
      process.exit(1);
    }
    break;
  }
  case 'version':
  case '--version': {
    const pj = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`heartbeat-ts ${pj.version}\n`);
    break;
  }
  case '-h':
  case '--help':
  case 'help':
    process.stdout.write(usage);
    break;
  default:
    fail(command === undefined ? 'give a command' : `unknown command ${command}`);
}

function fail(message: string): never {
  process.stderr.write(`heartbeat-ts: ${message}\n${usage}`);
  process.exit(64);
}
