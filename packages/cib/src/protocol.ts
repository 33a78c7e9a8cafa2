/** The cib daemon's API (Unix socket <runDir>/cib.sock, cluster-glue IPC, protocol `cib` v1). */
import { defineProtocol, IpcClient, runtimePaths, s, socketPath } from '@heartbeat-ts/cluster-glue/client';

const section = s.optional(s.enum(['crm_config', 'nodes', 'resources', 'constraints', 'op_defaults', 'rsc_defaults', 'fencing-topology', 'tags', 'alerts', 'acls', 'status'] as const));
const version = s.object({ version: s.string() });

export const CibProtocol = defineProtocol({
  name: 'cib',
  version: 1,
  requests: {
    /** The whole CIB, a section, the element with an id, or what an XPath selects (several: in <xpath-query>) — as XML text. */
    query: { params: s.object({ section, id: s.optional(s.string()), xpath: s.optional(s.string()) }), result: s.object({ xml: s.string(), version: s.string(), matches: s.optional(s.integer()) }) },
    create: { params: s.object({ section: s.enum(['crm_config', 'nodes', 'resources', 'constraints', 'op_defaults', 'rsc_defaults', 'fencing-topology', 'tags', 'alerts', 'acls', 'status'] as const), xml: s.string() }), result: version },
    /** With xpath: merge the XML into the one element it selects. */
    modify: { params: s.object({ section, xml: s.string(), xpath: s.optional(s.string()) }), result: version },
    /** With xpath: put the XML in place of the one element it selects. */
    replace: { params: s.object({ section, xml: s.string(), xpath: s.optional(s.string()) }), result: version },
    /** The element with the XML's tag and id, or the first element the XPath selects (all of them with all). */
    delete: { params: s.object({ section, xml: s.optional(s.string()), xpath: s.optional(s.string()), all: s.optional(s.boolean()) }), result: version },
    /** Empty configuration and status; admin_epoch + 1 (cibadmin -E --force). */
    erase: { params: s.object({}), result: version },
  },
  events: {
    /** After every applied change: versions before and after, what was touched, and Pacemaker's v2 patchset (<diff format="2">) as XML. */
    diff: s.object({ op: s.enum(['create', 'modify', 'replace', 'delete', 'erase'] as const), before: s.string(), after: s.string(), paths: s.array(s.string()), patchset: s.string() }),
    /** The same without the patchset, for a client that needs to know only that something changed, and where (the controller). */
    change: s.object({ op: s.enum(['create', 'modify', 'replace', 'delete', 'erase'] as const), before: s.string(), after: s.string(), paths: s.array(s.string()) }),
  },
});

export type CibClient = Awaited<ReturnType<typeof connectCibDaemon>>;

function connectCibDaemon(name: string, root?: string) {
  return IpcClient.connect(CibProtocol, { path: socketPath(runtimePaths(root ? { root } : {}), 'cib'), name });
}

/**
 * A client of the CIB daemon of the node under `root` (the runtime root; default /), named for
 * its logs — or, as Pacemaker's tools do, of a CIB in a file when the environment says so:
 * CIB_file=FILE, or CIB_shadow=NAME (crm_shadow's copy, see shadowFile).
 */
export async function connectCib(name: string, root?: string): Promise<CibClient> {
  const file = cibFileFromEnv(root);
  if (file) {
    const { CibFile } = await import('./cib-file.js');
    return new CibFile(file) as unknown as CibClient;
  }
  return connectCibDaemon(name, root);
}

/** The CIB file the environment points the commands at (CIB_file, or CIB_shadow's copy), if any. */
export function cibFileFromEnv(root?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CIB_file) return env.CIB_file;
  if (env.CIB_shadow) return shadowFile(env.CIB_shadow, root, env);
  return undefined;
}

/** Where crm_shadow keeps the copy NAME: $CIB_shadow_dir, else <stateDir>/cib/shadow.NAME. */
export function shadowFile(name: string, root?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.CIB_shadow_dir || `${runtimePaths({ ...(root ? { root } : {}), env }).stateDir}/cib`;
  return `${dir}/shadow.${name}`;
}

/** A client of the CIB daemon itself, whatever the environment says (the daemons; crm_shadow --commit). */
export const connectLiveCib = connectCibDaemon;

/** The whole CIB as the CIB daemon of that node has it (commands' -L/--live-check). */
export async function queryLiveCib(name: string, root?: string): Promise<string> {
  const c = await connectCib(name, root);
  try {
    return (await c.request('query', {})).xml;
  } finally {
    c.close();
  }
}

/** Every configured node's id by its name, from the live CIB (one query). */
export async function liveNodeIds(client: Awaited<ReturnType<typeof connectCib>>): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  try {
    const { xml } = await client.request('query', { section: 'nodes' });
    for (const m of xml.matchAll(/<node\b[^>]*>/g)) {
      const id = /\bid="([^"]+)"/.exec(m[0])?.[1];
      const uname = /\buname="([^"]+)"/.exec(m[0])?.[1];
      if (id && uname && !ids.has(uname)) ids.set(uname, id);
    }
  } catch {
    /* none configured */
  }
  return ids;
}

/** A node's id in the live configuration, by its name (its name when the configuration does not list it). */
export async function liveNodeId(client: Awaited<ReturnType<typeof connectCib>>, uname: string): Promise<string> {
  return (await liveNodeIds(client)).get(uname) ?? uname;
}
