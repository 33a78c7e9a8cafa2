/**
 * UDP media (heartbeat's ucast, bcast and mcast plugins). Each medium is a link named after
 * its interface ("eth0"); a packet's link is the medium whose socket received it. Sockets
 * bind to the interface's IPv4 address (Node cannot bind to a device), or to `bindAddress`
 * when given (several nodes on one host, each on its own loopback address).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { ConfigError, type Logger } from '@heartbeat-ts/cluster-glue';
import type { HaCf, Medium } from './config/ha-cf.js';

export interface IfaceAddress {
  address: string;
  netmask: string;
}

export function ifaceAddresses(iface: string): IfaceAddress[] {
  return (networkInterfaces()[iface] ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ address: a.address, netmask: a.netmask }));
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

export function broadcastAddress(a: IfaceAddress): string {
  const b = (toInt(a.address) | ~toInt(a.netmask)) >>> 0;
  return [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.');
}

interface Link {
  name: string;
  medium: Medium;
  socket: Socket;
  send: (packet: Buffer) => void;
}

export type PacketHandler = (packet: Buffer, link: string, from: RemoteInfo) => void;

export class UdpMedia {
  private readonly links: Link[] = [];

  constructor(
    private readonly cfg: HaCf,
    private readonly log: Logger,
    private readonly bindAddress?: string,
  ) {}

  /** Link names, in ha.cf order. */
  get linkNames(): string[] {
    return [...new Set(this.cfg.media.flatMap((m) => (m.kind === 'bcast' ? m.ifaces : m.kind === 'serial' ? [] : [m.iface])))];
  }

  async start(onPacket: PacketHandler): Promise<void> {
    for (const m of this.cfg.media) {
      if (m.kind === 'serial') throw new ConfigError(`serial media (${m.device}) are not supported by heartbeat-ts; use ucast, bcast or mcast`, this.cfg.file, m.line);
      if (m.kind === 'bcast') {
        for (const iface of m.ifaces) this.links.push(await this.open(m, iface, onPacket));
      } else this.links.push(await this.open(m, m.iface, onPacket));
    }
  }

  private localAddress(m: Medium, iface: string): IfaceAddress {
    if (this.bindAddress) return { address: this.bindAddress, netmask: '255.0.0.0' };
    const addrs = ifaceAddresses(iface);
    if (addrs.length === 0) throw new ConfigError(`interface ${iface} does not exist or has no IPv4 address on this host`, this.cfg.file, m.line);
    return addrs[0]!;
  }

  private async open(m: Medium, iface: string, onPacket: PacketHandler): Promise<Link> {
    const local = this.localAddress(m, iface);
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (buf, rinfo) => onPacket(buf, iface, rinfo));
    socket.on('error', (err) => this.log.warn({ link: iface, err: err.message }, 'udp socket error'));
    const port = m.kind === 'mcast' ? m.port : this.cfg.udpport;
    // bcast and mcast need the wildcard address to receive broadcast/multicast datagrams.
    const bindTo = m.kind === 'ucast' ? local.address : this.bindAddress ? local.address : '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, bindTo, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    let send: (p: Buffer) => void;
    if (m.kind === 'ucast') {
      const own = new Set([local.address, ...ifaceAddresses(iface).map((a) => a.address)]);
      const peers = m.peers.filter((p) => !own.has(p));
      send = (p) => {
        for (const peer of peers) socket.send(p, this.cfg.udpport, peer);
      };
    } else if (m.kind === 'bcast') {
      socket.setBroadcast(true);
      const dest = broadcastAddress(local);
      send = (p) => socket.send(p, this.cfg.udpport, dest);
    } else if (m.kind === 'mcast') {
      socket.addMembership(m.group, local.address);
      socket.setMulticastInterface(local.address);
      socket.setMulticastTTL(m.ttl);
      socket.setMulticastLoopback(m.loop);
      send = (p) => socket.send(p, m.port, m.group);
    } else {
      throw new Error('unreachable');
    }
    this.log.info({ link: iface, medium: m.kind, bind: `${bindTo}:${port}` }, 'medium up');
    return { name: iface, medium: m, socket, send };
  }

  send(packet: Buffer): void {
    for (const l of this.links) l.send(packet);
  }

  close(): void {
    for (const l of this.links) l.socket.close();
    this.links.length = 0;
  }
}
