import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, GatewayError } from '../../errors.js';

/** The base URL a client used to reach us, for Confluent's `metadata.self` and `related` links. */
export function baseUrl(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const protocol = typeof forwarded === 'string' ? forwarded.split(',')[0].trim() : request.protocol;
  return `${protocol}://${request.headers.host ?? 'localhost'}`;
}

/** Links under /v3/clusters/{cid} as Confluent renders them. */
export function clusterLinks(request: FastifyRequest, clusterId: string) {
  const root = `${baseUrl(request)}/v3/clusters/${clusterId}`;
  return {
    root,
    resource: (path: string) => `crn:///kafka=${clusterId}${path}`,
  };
}

/** Checks the `{cluster_id}` of a v3 path; the id never changes, so it is read from the store once. */
export function clusterResolver(app: FastifyInstance): (clusterId: string) => Promise<string> {
  let known: string | undefined;
  return async (clusterId) => {
    known ??= await app.services.store.clusterId();
    if (clusterId !== known) throw new GatewayError(ErrorCode.CLUSTER_NOT_FOUND, `Cluster ${clusterId} cannot be found.`);
    return known;
  };
}
