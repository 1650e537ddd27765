# Streamgate gateway image. Build: docker build -t streamgate .  Run: docker run -p 8082:8082 -e REDIS_URL=redis://redis:6379 streamgate
# (on a Redis with its append-only file on, e.g. redis-server --appendonly yes: see "For real use" in the README)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8082 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY openapi ./openapi
EXPOSE 8082
USER node
CMD ["node", "--max-old-space-size=1024", "--min-semi-space-size=32", "--max-semi-space-size=32", "dist/src/main.js"]
