/** The CIB's XML tree is cluster-glue's (shared with agent metadata and the tools). */
export { child, elements, isElement, parseXml, serializeXml, walk, XmlError, type XmlElement, type XmlNode } from '@heartbeat-ts/cluster-glue/client';
