/** The beacon daemon: wiring of UDP, the peer table and the IPC server. */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Daemon, type DaemonContext, IpcServer, parse, socketPath } from '@heartbeat-ts/cluster-glue';
import { BeaconConfig, BeaconPacket, BeaconProtocol } from './protocol.js';
import { PeerTable } from './peer-table.js';

export function readBeaconConfig(confDir: string): BeaconConfig {
  const file = join(confDir, 'beacon.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read beacon configuration: ${(e as Error).message}`, file);
  }
  try {
    return parse(BeaconConfig, raw);
  } catch (e) {
    throw new ConfigError((e as Error).message, file);
  }
}

export class BeaconDaemon implements Daemon {
  readonly name = 'beacon';
  private udp: Socket | undefined;
  private ipc: IpcServer<typeof BeaconProtocol> | undefined;
  private timers: NodeJS.Timeout[] = [];

  async start(ctx: DaemonContext): Promise<void> {
    const cfg = readBeaconConfig(ctx.paths.confDir);
    const log = ctx.logger;
    const table = new PeerTable(
      cfg.peers.map((p) => p.name),
      cfg.deadtimeMs,
    );
    let malformed = 0;
    let seq = 0;

    const ipc = new IpcServer(BeaconProtocol, { path: socketPath(ctx.paths, 'beacon'), serverName: `beacon@${cfg.node}`, logger: log });
    ipc.handle('status', () => ({ node: cfg.node, pid: process.pid, peers: table.snapshot(Date.now()), malformed }));
    await ipc.listen();
    this.ipc = ipc;

    const udp = createSocket({ type: 'udp4', reuseAddr: true });
    this.udp = udp;
    udp.on('message', (buf, rinfo) => {
      let pkt;
      try {
        pkt = parse(BeaconPacket, JSON.parse(buf.toString('utf8')));
      } catch (e) {
        malformed++;
        log.debug({ peer: `${rinfo.address}:${rinfo.port}`, err: (e as Error).message }, 'malformed beacon dropped');
        return;
      }
      const change = table.heard(pkt.src, Date.now());
      if (change) {
        log.info({ peer: change.name, state: change.state }, 'peer state changed');
        ipc.publish('peer', change);
      }
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(cfg.listen.port, cfg.listen.address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => log.warn({ err: err.message }, 'udp error'));

    const send = () => {
      const msg = Buffer.from(JSON.stringify({ t: 'beacon', v: 1, src: cfg.node, seq: seq++ }));
      for (const p of cfg.peers) udp.send(msg, p.port, p.address);
    };
    send();
    this.timers.push(setInterval(send, cfg.keepaliveMs));
    this.timers.push(
      setInterval(() => {
        for (const c of table.tick(Date.now())) {
          log.warn({ peer: c.name, deadtimeMs: cfg.deadtimeMs }, 'peer declared dead');
          ipc.publish('peer', c);
        }
      }, Math.max(5, Math.floor(cfg.keepaliveMs / 2))),
    );
    log.info({ listen: `${cfg.listen.address}:${cfg.listen.port}`, peers: cfg.peers.length }, 'beacon running');
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.udp?.close();
    await this.ipc?.close();
  }
}
