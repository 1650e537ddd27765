import { GroupInstanceId } from '../common/group.js';

/** The Server-Sent Events stream of a topic (`GET /v3/clusters/{cluster_id}/topics/{topic_name}/events`). */
export const EventsParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name'],
  properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string' } },
} as const;

export const EventsQuery = {
  type: 'object',
  additionalProperties: false,
  // A group instance id names a member of a group: without one it would be ignored.
  dependencies: { group_instance_id: ['group'] },
  properties: {
    format: { type: 'string', enum: ['json', 'binary', 'string'], default: 'json' },
    from: { type: 'string', enum: ['earliest', 'latest'], default: 'latest', description: 'Where partitions without a resume position start.' },
    last_event_id: { type: 'string', description: 'A resume token, for clients that cannot set the Last-Event-ID header.' },
    group_instance_id: {
      ...GroupInstanceId,
      description:
        "With group: static membership (Kafka's group.instance.id). A stream that reconnects with the same id within the session timeout, to any gateway, gets its partitions back without a rebalance.",
    },
    group: {
      type: 'string',
      minLength: 1,
      description:
        "Join this consumer group: the stream carries only the partitions assigned to it, commits what it delivered every second and when a partition moves, and starts a partition at the later of the group's commit and the resume token.",
    },
  },
} as const;
