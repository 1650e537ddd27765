/** The parts every Confluent REST Proxy v3 resource and resource list body shares. */

/** A link to a related resource: `{ "related": "<url>" }`. */
export const related = { type: 'object', properties: { related: { type: 'string' } } } as const;

export const resourceMetadata = {
  type: 'object',
  properties: { self: { type: 'string' }, resource_name: { type: 'string' } },
} as const;

export const listMetadata = {
  type: 'object',
  properties: { self: { type: 'string' }, next: { type: ['string', 'null'] } },
} as const;

/** A `Kafka…List` body: kind, list metadata and the items, each a `$ref` to the item schema `itemId`. */
export const resourceList = <Id extends string, Item extends string>(id: Id, itemId: Item) =>
  ({
    $id: id,
    type: 'object',
    properties: { kind: { type: 'string' }, metadata: listMetadata, data: { type: 'array', items: { $ref: `${itemId}#` } } },
  }) as const;
