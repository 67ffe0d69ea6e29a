# One image for every Aiguillage process; docker-compose.yml picks the entrypoint.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY scripts ./scripts
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Fewer glibc malloc arenas: less fragmentation across Node's threads (README "Memory").
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src/parse/pdf-worker.mjs ./src/parse/pdf-worker.mjs
COPY config ./config
USER node
CMD ["node", "--max-semi-space-size=2", "--max-old-space-size=512", "--heap-growing-percent=20", "--no-parallel-scavenge", "--no-sparkplug", "dist/workers/all.js"]
