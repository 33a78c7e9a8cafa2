import { readFileSync } from 'node:fs';
import { simulate } from '/work/main/packages/pengine/dist/src/index.js';
import { paramDigest } from '@heartbeat-ts/cluster-glue';
const s = simulate(readFileSync(`/work/shared/pacemaker-scheduler/xml/${process.argv[2]}.xml`, 'utf8'));
const p = s.ws.byId.get(process.argv[3]);
const n = p.next;
console.log(p.startDigests.get(n), s.ws.paramsOn(p, n), paramDigest(s.ws.paramsOn(p, n)), p.historyName, p.cloneName);
