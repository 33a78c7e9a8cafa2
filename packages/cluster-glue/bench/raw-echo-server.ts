/**
 * The baseline: a bare node:net server echoing length-prefixed frames, importing nothing of
 * ours (so its idle RSS is that of a plain Node.js socket server).  raw-echo-server.js PATH
 */
import { createServer } from 'node:net';

const path = process.argv[2]!;
const srv = createServer((sock) => {
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off < 4 + len) break;
      sock.write(buf.subarray(off, off + 4 + len));
      off += 4 + len;
    }
    buf = buf.subarray(off);
  });
});
srv.listen(path, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => srv.close(() => process.exit(0)));
