/** Confluent Schema Registry bodies (requests validated, responses serialized and documented from these). */
import { errorResponses } from '../common/error.js';

export const registryErrors = { ...errorResponses, 409: { $ref: 'ErrorBody#' }, 413: { $ref: 'ErrorBody#' } } as const;

const schemaType = { type: 'string', description: 'AVRO (the default when absent), PROTOBUF or JSON.' } as const;
const references = { type: 'array', items: { $ref: 'RegistrySchemaReference#' } } as const;

export const SchemaReference = {
  $id: 'RegistrySchemaReference',
  type: 'object',
  required: ['name', 'subject', 'version'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Avro: the full name of the referenced type; Protobuf: the import path; JSON Schema: the $ref URL.' },
    subject: { type: 'string', minLength: 1 },
    version: { type: 'integer', description: 'A version number, or -1 for the latest.' },
  },
} as const;

export const RegisterSchemaRequest = {
  $id: 'RegistryRegisterSchemaRequest',
  type: 'object',
  properties: {
    schema: { type: 'string', description: 'The schema text.' },
    schemaType,
    references,
    id: { type: 'integer', description: 'IMPORT mode only: the id the schema must get.' },
    version: { type: 'integer', description: 'The version the schema must get (IMPORT mode), or the next one.' },
    metadata: {},
    ruleSet: {},
  },
} as const;

export const RegisterSchemaResponse = {
  $id: 'RegistryRegisterSchemaResponse',
  type: 'object',
  required: ['id'],
  description: 'Just `{"id"}` unless the request says `Confluent-Accept-Unknown-Properties: true`.',
  properties: { id: { type: 'integer' }, version: { type: 'integer' }, schemaType, references, schema: { type: 'string' } },
} as const;

export const SchemaString = {
  $id: 'RegistrySchemaString',
  type: 'object',
  required: ['schema'],
  properties: { schemaType, references, schema: { type: 'string' } },
} as const;

export const SubjectVersionSchema = {
  $id: 'RegistrySubjectVersionSchema',
  type: 'object',
  required: ['subject', 'version', 'id', 'schema'],
  properties: {
    subject: { type: 'string' },
    version: { type: 'integer' },
    id: { type: 'integer' },
    schemaType,
    references,
    schema: { type: 'string' },
    deleted: { type: 'boolean' },
  },
} as const;

export const SubjectVersionList = {
  $id: 'RegistrySubjectVersionList',
  type: 'array',
  items: { type: 'object', properties: { subject: { type: 'string' }, version: { type: 'integer' } } },
} as const;

export const Config = {
  $id: 'RegistryConfig',
  type: 'object',
  properties: { compatibilityLevel: { type: 'string' }, normalize: { type: 'boolean' } },
} as const;

export const ConfigUpdateRequest = {
  $id: 'RegistryConfigUpdateRequest',
  type: 'object',
  properties: {
    compatibility: { type: 'string', description: 'NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.' },
    normalize: { type: 'boolean' },
  },
} as const;

export const Mode = {
  $id: 'RegistryMode',
  type: 'object',
  required: ['mode'],
  properties: { mode: { type: 'string', description: 'READWRITE, READONLY, READONLY_OVERRIDE or IMPORT.' } },
} as const;

export const CompatibilityCheckResponse = {
  $id: 'RegistryCompatibilityCheckResponse',
  type: 'object',
  required: ['is_compatible'],
  properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: { type: 'string' } } },
} as const;

export const registrySchemas = [
  SchemaReference,
  RegisterSchemaRequest,
  RegisterSchemaResponse,
  SchemaString,
  SubjectVersionSchema,
  SubjectVersionList,
  Config,
  ConfigUpdateRequest,
  Mode,
  CompatibilityCheckResponse,
];

export const subjectParams = { type: 'object', required: ['subject'], properties: { subject: { type: 'string' } } } as const;
export const versionParams = {
  type: 'object',
  required: ['subject', 'version'],
  properties: { subject: { type: 'string' }, version: { type: 'string' } },
} as const;
export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

const flag = (description: string) => ({ type: 'boolean', description }) as const;
export const queryFlags = {
  deleted: flag('Include soft-deleted subjects or versions.'),
  deletedOnly: flag('Only soft-deleted ones.'),
  permanent: flag('Delete permanently (after a soft delete).'),
  normalize: flag('Identify the schema by its normalized form.'),
  verbose: flag('List the reasons a schema is incompatible.'),
  defaultToGlobal: flag('Answer the global setting when the subject has none of its own.'),
  force: flag('Enter IMPORT mode even though schemas exist.'),
} as const;

export const integerList = { type: 'array', items: { type: 'integer' } } as const;
export const stringList = { type: 'array', items: { type: 'string' } } as const;
