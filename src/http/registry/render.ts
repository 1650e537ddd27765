import type { FastifyRequest } from 'fastify';
import type { GatewayError } from '../../errors.js';
import type { StoredSchema, SubjectVersion } from '../../registry/types.js';

/** Confluent Schema Registry's own content type, for answers and errors alike (Fastify would append a charset to it unless the reply has its own serializer). */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Confluent leaves `schemaType` out for Avro (the default) and `references` out when there are none. */
export function renderSchema(schema: StoredSchema) {
  return {
    schemaType: schema.schemaType === 'AVRO' ? undefined : schema.schemaType,
    references: schema.references.length > 0 ? schema.references : undefined,
    schema: schema.schema,
  };
}

export function renderSubjectVersion(version: SubjectVersion) {
  return { subject: version.subject, version: version.version, id: version.id, ...renderSchema(version), deleted: version.deleted || undefined };
}

/** A request that failed its JSON Schema answers with the registry's error code for that body (42201, 42203, 42204). */
export function rejectInvalid(request: FastifyRequest, error: (detail: string) => GatewayError): void {
  if (request.validationError) throw error(request.validationError.message);
}
