/** The cib daemon's API (Unix socket <runDir>/cib.sock, cluster-glue IPC, protocol `cib` v1). */
import { defineProtocol, s } from '@heartbeat-ts/cluster-glue';

const section = s.optional(s.enum(['crm_config', 'nodes', 'resources', 'constraints', 'op_defaults', 'rsc_defaults', 'fencing-topology', 'tags', 'alerts', 'acls', 'status'] as const));
const version = s.object({ version: s.string() });

export const CibProtocol = defineProtocol({
  name: 'cib',
  version: 1,
  requests: {
    /** The whole CIB, a section, or the element with an id — as XML text. */
    query: { params: s.object({ section, id: s.optional(s.string()) }), result: s.object({ xml: s.string(), version: s.string() }) },
    create: { params: s.object({ section: s.enum(['crm_config', 'nodes', 'resources', 'constraints', 'op_defaults', 'rsc_defaults', 'fencing-topology', 'tags', 'alerts', 'acls', 'status'] as const), xml: s.string() }), result: version },
    modify: { params: s.object({ section, xml: s.string() }), result: version },
    replace: { params: s.object({ section, xml: s.string() }), result: version },
    delete: { params: s.object({ section, xml: s.string() }), result: version },
  },
  events: {
    /** After every applied change: versions before and after, what was touched. */
    diff: s.object({ op: s.enum(['create', 'modify', 'replace', 'delete'] as const), before: s.string(), after: s.string(), paths: s.array(s.string()) }),
  },
});
