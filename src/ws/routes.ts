import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { SocketSession } from './socket-session.js';

/**
 * `GET /ws`: one WebSocket is one consumer — a group member (`subscribe`) or a reader of chosen
 * partitions (`assign`) — that can also `produce`. The message protocol is in openapi/asyncapi.yaml.
 */
export async function webSocketRoutes(app: FastifyInstance): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 8 * 1024 * 1024 } });
  app.get(
    '/ws',
    {
      websocket: true,
      schema: {
        tags: ['websocket'],
        summary: 'Consume (group member or chosen partitions) and produce over one WebSocket',
        description: 'Upgrade with `Connection: Upgrade`. The JSON message protocol is documented in openapi/asyncapi.yaml.',
      },
    },
    (socket, request) => {
      new SocketSession(socket, app.services, request.log);
    },
  );
}
