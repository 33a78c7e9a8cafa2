export { Cluster, fenceAgentDir, HarnessNode, watchAddress, type ClusterOptions, type DaemonCommand, type HarnessMode } from './cluster.js';
export { waitFor } from './wait.js';
export { cleanupStale } from './registry.js';
export { markedPids, isAlive } from './procs.js';
export { beaconCluster, beaconStatus } from './beacon/cluster.js';
export { resolveBin } from './bins.js';
