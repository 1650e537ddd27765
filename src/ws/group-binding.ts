import { ErrorCode, GatewayError } from '../errors.js';
import type { GroupMember } from '../groups/group-member.js';
import type { TopicPartition } from '../groups/assignors.js';
import type { RecordFormat } from '../fetch/schema-decoding.js';
import type { GroupBinding, GroupJoiner, SocketSession } from './socket-session.js';

type Delivery = 'at-least-once' | 'at-most-once' | 'auto-commit';
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5000;

/**
 * Makes a socket a consumer group member. When offsets are committed:
 * - at-least-once (default): only when the client sends `commit`;
 * - at-most-once: the position after each batch, before the batch is sent;
 * - auto-commit: every `auto_commit_interval_ms`, and when a partition is revoked or the member leaves.
 * A partition starts at the group's committed offset, or per auto_offset_reset when there is none
 * (or retention passed it).
 */
export const joinGroupOverSocket: GroupJoiner = async (session: SocketSession, message) => {
  const groups = session.services.groups;
  const group = message.group as string;
  const delivery = (message.delivery as Delivery | undefined) ?? 'at-least-once';
  const offsetReset = (message.auto_offset_reset as 'earliest' | 'latest' | 'none' | undefined) ?? 'latest';
  let member: GroupMember | undefined;
  for (const topic of message.topics as string[]) await session.services.topics.lookup(topic);

  const consumer = session.startDelivery((message.format as RecordFormat | undefined) ?? 'json', message.credit as number | undefined, {
    offsetReset,
    beforeSend:
      delivery === 'at-most-once'
        ? async (tp, next) => {
            await groups.commit(group, member, [{ topic: tp.topic, partition: tp.partition, offset: next }]);
          }
        : undefined,
  });

  const commitPositions = async (tps?: TopicPartition[]) => {
    if (!member) return [];
    const positions = consumer.positions().filter((p) => member!.holds(p) && (!tps || tps.some((tp) => tp.topic === p.topic && tp.partition === p.partition)));
    await groups.commit(group, member, positions);
    return positions;
  };

  try {
    member = await groups.join({
    group,
    topics: message.topics as string[],
    clientId: 'websocket',
    assignor: message.assignor as 'range' | 'roundrobin' | 'sticky' | undefined,
    sessionTimeoutMs: message.session_timeout_ms as number | undefined,
    onAssigned: (partitions, generation) =>
      session.announceAssignment(async () => {
        const committed = await groups.committed(group);
        const started: Array<TopicPartition & { offset: number }> = [];
        for (const tp of partitions) {
          const offset = committed[`${tp.topic}:${tp.partition}`]?.offset;
          try {
            const from = await consumer.assign(tp, offset !== undefined ? offset : offsetReset === 'none' ? noCommit(tp) : offsetReset);
            if (from !== undefined) started.push({ ...tp, offset: from });
          } catch (error) {
            session.sendError(error);
          }
        }
        return { type: 'assigned', generation, partitions: started };
      }),
    onRevoked: async (partitions, generation) => {
      const positions: Array<TopicPartition & { offset: number }> = [];
      for (const tp of partitions) {
        const offset = await consumer.revoke(tp);
        if (offset !== undefined) positions.push({ ...tp, offset });
      }
      if (delivery === 'auto-commit' && member) await groups.commit(group, member, positions).catch(() => undefined);
      session.send({ type: 'revoked', generation, partitions });
    },
    onError: (error) => session.sendError(error),
    });
  } catch (error) {
    await session.stopDelivery();
    throw error;
  }

  const interval = Number(message.auto_commit_interval_ms ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS);
  const timer = delivery === 'auto-commit' ? setInterval(() => void commitPositions().catch(() => undefined), interval) : undefined;

  const binding: GroupBinding = {
    async commit(offsets) {
      if (!member) return [];
      if (!offsets) return commitPositions();
      for (const o of offsets) {
        if (!member.holds(o)) throw new GatewayError(ErrorCode.NOT_PARTITION_OWNER, `Partition ${o.partition} of topic '${o.topic}' is not assigned to this consumer.`);
      }
      await groups.commit(group, member, offsets);
      return offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    },
    async close() {
      clearInterval(timer);
      if (delivery === 'auto-commit') await commitPositions().catch(() => undefined);
      if (member) await groups.leave(member);
    },
  };
  return binding;
};

function noCommit(tp: TopicPartition): never {
  throw new GatewayError(ErrorCode.NO_OFFSET_FOR_PARTITION, `Group has no committed offset for partition ${tp.partition} of topic '${tp.topic}' and auto_offset_reset is none.`);
}
