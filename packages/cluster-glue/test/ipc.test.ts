import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HaError } from '../src/errors.js';
import { encodeFrame, FrameDecoder } from '../src/framing.js';
import { IpcClient } from '../src/ipc-client.js';
import { IpcServer } from '../src/ipc-server.js';
import { ENVELOPE_VERSION } from '../src/protocol.js';
import { EchoProtocol } from './echo-protocol.js';

const run = promisify(execFile);
let dir: string;
let path: string;
let server: IpcServer<typeof EchoProtocol>;
const clients: IpcClient<typeof EchoProtocol>[] = [];

function makeServer(opts: Partial<ConstructorParameters<typeof IpcServer>[1]> = {}) {
  const srv = new IpcServer(EchoProtocol, { path, serverName: 'echo@test', ...opts });
  srv.handle('echo', (p) => ({ text: p.text }));
  srv.handle('blob', (p) => ({ data: 'x'.repeat(p.size) }));
  srv.handle('sleep', (p) => new Promise((r) => setTimeout(() => r({}), p.ms)));
  srv.handle('hang', () => new Promise(() => {}));
  srv.handle('fail', (p) => {
    throw new HaError('ENOSUCH', `no resource named ${p.id}`, { id: p.id });
  });
  srv.handle('broken', () => ({ n: 'not a number' }) as unknown as { n: number });
  return srv;
}

async function connect(opts: Partial<Parameters<typeof IpcClient.connect>[1]> = {}) {
  const c = await IpcClient.connect(EchoProtocol, { path, name: 'test', ...opts });
  clients.push(c);
  return c;
}

/** A raw socket speaking frames by hand, for clients that misbehave. */
function raw(): Promise<{ sock: Socket; frames: unknown[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const dec = new FrameDecoder();
    const frames: unknown[] = [];
    sock.on('data', (d) => frames.push(...dec.push(d)));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.once('connect', () => resolve({ sock, frames, closed }));
    sock.once('error', reject);
  });
}
const hello = { k: 'hello', envelope: ENVELOPE_VERSION, protocol: 'echo', version: 1, client: 'raw', pid: process.pid };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hbts-ipc-'));
  chmodSync(dir, 0o755);
  path = join(dir, 'echo.sock');
  server = makeServer();
  await server.listen();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IPC over a real Unix socket', () => {
  it('creates the socket mode 0660 and answers typed requests', async () => {
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const c = await connect();
    expect(c.serverName).toBe('echo@test');
    expect(await c.request('echo', { text: 'hello' })).toEqual({ text: 'hello' });
    expect(typeof (await c.ping())).toBe('number');
  });

  it('serves many clients at once with correlated responses', async () => {
    const cs = await Promise.all(Array.from({ length: 40 }, () => connect()));
    const results = await Promise.all(
      cs.flatMap((c, i) => Array.from({ length: 25 }, (_, j) => c.request('echo', { text: `${i}-${j}` }).then((r) => r.text === `${i}-${j}`))),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(results).toHaveLength(1000);
    expect(server.clients).toHaveLength(40);
  });

  it('replies with an error naming the field when a request body fails its schema, and keeps the connection', async () => {
    const { sock, frames } = await raw();
    sock.write(encodeFrame(hello));
    sock.write(encodeFrame({ k: 'req', id: 7, type: 'echo', body: { txt: 'oops' } }));
    sock.write(encodeFrame({ k: 'req', id: 8, type: 'echo', body: { text: 'fine' } }));
    await expect.poll(() => frames.length).toBe(3);
    expect(frames[1]).toMatchObject({ k: 'res', id: 7, ok: false, error: { code: 'EPROTO_SCHEMA', message: expect.stringContaining('echo params.text') } });
    expect(frames[2]).toEqual({ k: 'res', id: 8, ok: true, body: { text: 'fine' } });
    sock.destroy();
  });

  it('a client sending garbage gets an error frame and is disconnected; the server stays up', async () => {
    const { sock, frames, closed } = await raw();
    sock.write(Buffer.from([0, 0, 0, 5, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b]));
    await closed;
    expect(frames[0]).toMatchObject({ k: 'error', code: 'EPROTO' });
    expect(server.counters.rejectedFrames).toBe(1);
    const c = await connect();
    expect(await c.request('echo', { text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('refuses an oversized frame without buffering it', async () => {
    await server.close();
    server = makeServer({ maxMessageBytes: 4096 });
    await server.listen();
    const { sock, frames, closed } = await raw();
    sock.write(encodeFrame(hello));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(10 * 1024 * 1024);
    sock.write(head);
    await closed;
    expect(frames.at(-1)).toMatchObject({ k: 'error', code: 'EMSGSIZE' });
  });

  it('refuses a request before hello, and a protocol version mismatch', async () => {
    const a = await raw();
    a.sock.write(encodeFrame({ k: 'req', id: 1, type: 'echo', body: { text: 'x' } }));
    await a.closed;
    expect(a.frames[0]).toMatchObject({ k: 'error', code: 'EPROTO', message: expect.stringContaining('hello') });
    const b = await raw();
    b.sock.write(encodeFrame({ ...hello, version: 2 }));
    await b.closed;
    expect(b.frames[0]).toMatchObject({ k: 'error', code: 'EPROTO_VERSION', message: expect.stringContaining('echo v1') });
  });

  it('reports remote errors, unknown types, invalid results and timeouts distinctly', async () => {
    const c = await connect();
    await expect(c.request('fail', { id: 'vip' })).rejects.toMatchObject({ code: 'ENOSUCH', message: 'no resource named vip', details: { id: 'vip' } });
    await expect(c.request('broken', {})).rejects.toMatchObject({ code: 'EINTERNAL', message: expect.stringContaining('broken result.n') });
    await expect(c.request('hang', {}, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringContaining('hang within 100 ms') });
    // The client validates outgoing params too.
    await expect(c.request('echo', { text: 3 } as unknown as { text: string })).rejects.toMatchObject({ code: 'EPROTO_SCHEMA' });
    const { sock, frames } = await raw();
    sock.write(encodeFrame(hello));
    sock.write(encodeFrame({ k: 'req', id: 3, type: 'reboot', body: {} }));
    await expect.poll(() => frames.length).toBe(2);
    expect(frames[1]).toMatchObject({ ok: false, error: { code: 'EOPNOTSUPP' } });
    sock.destroy();
  });

  it('survives a client that disconnects in the middle of a request', async () => {
    for (let i = 0; i < 5; i++) {
      const { sock } = await raw();
      sock.write(encodeFrame(hello));
      sock.write(encodeFrame({ k: 'req', id: 1, type: 'sleep', body: { ms: 50 } }));
      sock.write(encodeFrame({ k: 'req', id: 2, type: 'blob', body: { size: 100000 } }).subarray(0, 10));
      sock.destroy();
    }
    await new Promise((r) => setTimeout(r, 120));
    const c = await connect();
    expect(await c.request('echo', { text: 'ok' })).toEqual({ text: 'ok' });
    expect(server.clients).toHaveLength(1);
  });

  it('delivers events to subscribers only, and stops after unsubscribe', async () => {
    const a = await connect();
    const b = await connect();
    const got: number[] = [];
    const unsub = await a.subscribe('tick', (e) => got.push(e.n));
    server.publish('tick', { n: 1 });
    server.publish('tick', { n: 2 });
    await a.ping();
    await unsub();
    server.publish('tick', { n: 3 });
    await a.ping();
    expect(got).toEqual([1, 2]);
    expect(await b.request('echo', { text: 'b' })).toEqual({ text: 'b' });
    expect(() => server.publish('tick', { n: 'x' } as unknown as { n: number })).toThrow(/event tick.n/);
  });

  it('backpressure: stops reading requests from a client that never reads its answers', async () => {
    const { sock } = await raw();
    sock.pause(); // never read
    sock.write(encodeFrame(hello));
    const req = (id: number) => encodeFrame({ k: 'req', id, type: 'blob', body: { size: 64 * 1024 } });
    // 4000 requests for 64 KiB each would be 256 MiB of answers.
    for (let i = 1; i <= 4000; i++) sock.write(req(i));
    await new Promise((r) => setTimeout(r, 500));
    // The server stopped reading: it handled only what arrived before its buffer filled.
    expect(server.counters.requests).toBeLessThan(1000);
    const other = await connect();
    expect(await other.request('echo', { text: 'responsive' })).toEqual({ text: 'responsive' });
    sock.destroy();
  });

  it('backpressure: evicts a subscriber whose unread events overflow its buffer', async () => {
    await server.close();
    server = makeServer({ maxBufferedBytes: 2 * 1024 * 1024 });
    await server.listen();
    const other = await connect();
    const { sock: sub, closed } = await raw();
    sub.pause(); // never read
    sub.write(encodeFrame(hello));
    sub.write(encodeFrame({ k: 'req', id: 1, type: '$subscribe', body: { events: ['tick'] } }));
    await expect.poll(() => server.clients.length).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    const pad = 'p'.repeat(64 * 1024);
    for (let n = 0; n < 200; n++) server.publish('tick', { n, pad });
    expect(server.counters.evictedClients).toBe(1);
    sub.resume(); // now read: what was sent, then the end of the connection
    await closed;
    expect(server.clients.map((c) => c.name)).toEqual(['test']);
    expect(await other.request('echo', { text: 'still responsive' })).toEqual({ text: 'still responsive' });
  });

  it('clients reconnect after a server restart and keep their subscriptions', async () => {
    const c = await connect({ reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
    const got: number[] = [];
    await c.subscribe('tick', (e) => got.push(e.n));
    const reconnected = new Promise((r) => c.once('reconnect', r));
    const pending = c.request('sleep', { ms: 5000 });
    await server.close();
    await expect(pending).rejects.toMatchObject({ code: 'EDISCONNECTED' });
    // A request made while the daemon is away waits for the reconnection.
    const waiting = c.request('echo', { text: 'after restart' }, { timeoutMs: 5000 });
    server = makeServer();
    await server.listen();
    await reconnected;
    expect(await waiting).toEqual({ text: 'after restart' });
    await c.ping();
    server.publish('tick', { n: 42 });
    await expect.poll(() => got).toEqual([42]);
  });

  it('says the daemon is not running when there is no socket or only a stale one', async () => {
    await expect(IpcClient.connect(EchoProtocol, { path: join(dir, 'none.sock') })).rejects.toMatchObject({
      code: 'ENOTRUNNING',
      message: expect.stringContaining('echo is not running: no socket at'),
    });
    const stale = join(dir, 'stale.sock');
    const child = spawn(process.execPath, [join(__dirname, 'fixtures/listen-then-die.mjs'), stale], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout!.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(stale)).toBe(true);
    await expect(IpcClient.connect(EchoProtocol, { path: stale })).rejects.toMatchObject({ code: 'ENOTRUNNING', message: expect.stringContaining('stale socket') });
    // A new daemon replaces the stale socket...
    const srv = makeServer({ path: stale });
    await srv.listen();
    const c = await IpcClient.connect(EchoProtocol, { path: stale });
    expect(await c.request('echo', { text: 'new' })).toEqual({ text: 'new' });
    c.close();
    // ...but never steals a live one, nor replaces a file that is not a socket.
    await expect(makeServer({ path: stale }).listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    writeFileSync(join(dir, 'plain'), 'data');
    await expect(makeServer({ path: join(dir, 'plain') }).listen()).rejects.toMatchObject({ code: 'EEXIST' });
    await srv.close();
  });

  it('refuses a client without access to the socket (mode 0660, other user)', async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('this test needs root: it runs a client as the unprivileged user "nobody" (run the tests as root, as CI does)');
    }
    const { stdout } = await run(process.execPath, [join(__dirname, 'fixtures/connect-as-user.mjs'), path], { uid: 65534, gid: 65534 } as never);
    const out = JSON.parse(stdout) as { connected: boolean; code: string; message: string };
    expect(out.connected).toBe(false);
    expect(out.code).toBe('EACCES');
    expect(out.message).toMatch(/permission denied on .*echo\.sock \(mode 660, group root\): run as root or as a member/);
    // With the socket's group given to nobody's group, the same client gets in.
    await server.close();
    server = makeServer({ group: 65534 });
    await server.listen();
    const again = JSON.parse((await run(process.execPath, [join(__dirname, 'fixtures/connect-as-user.mjs'), path], { uid: 65534, gid: 65534 } as never)).stdout);
    expect(again).toEqual({ connected: true, r: { text: 'hi' } });
  });

  it('refuses a socket group that does not exist', async () => {
    await expect(makeServer({ path: join(dir, 'g.sock'), group: 'no-such-group-hbts' }).listen()).rejects.toMatchObject({
      code: 'ECONFIG',
      message: expect.stringContaining('no-such-group-hbts'),
    });
  });
});
