import type { FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** A shared schema a `$ref` can name. */
type Reference = JSONSchema & { readonly $id: string };

type Derivable<T> = [T] extends [never] ? unknown : T;

/**
 * A Fastify type provider for requests: params, querystring, body and headers are typed from the
 * JSON Schemas that validate them, `$ref`s resolved through `References` (the shared schemas a
 * plugin adds with `addSchema`). Defaults count as present, as they are at run time (the gateway's
 * ajv has `useDefaults`). Replies are left untyped, unlike with @fastify/type-provider-json-schema-to-ts,
 * which types them too: there a reply whose schema is a `$ref` to an unlisted response body must be `never`.
 */
export interface RequestSchemaTypes<References extends Reference[]> extends FastifyTypeProvider {
  // A part whose schema is a `$ref` the plugin does not list (FromSchema's `never`) is typed as unknown.
  validator: this['schema'] extends JSONSchema ? Derivable<FromSchema<this['schema'], { references: References }>> : unknown;
  serializer: unknown;
}

/** A route plugin whose request types come from its route schemas (see RequestSchemaTypes). */
export type RoutePlugin<References extends Reference[] = []> = FastifyPluginAsync<Record<never, never>, RawServerDefault, RequestSchemaTypes<References>>;
