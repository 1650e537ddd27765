/** A hello-world Fastify route: the ceiling a registry lookup is measured against. PORT from the environment. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT ?? 8084), host: '127.0.0.1' });
