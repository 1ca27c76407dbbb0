# syntax=docker/dockerfile:1
# One image for every part of Once: the command picks the part (the Kubernetes manifests in deploy/kubernetes/ set
# it per Deployment). Build: docker build -t once:0.1.0 .

# Stage 1: compile with the development dependencies (esbuild, tsx). No install scripts: `prepare` would run
# build:pages before its sources are copied (npm run build runs it below), and the others are not needed (esbuild
# finds its binary in its @esbuild/<platform> optional dependency; protobufjs's only prints a version warning).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Stage 2: the production dependencies only.
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Stage 3: plain Node over dist/, as the image's unprivileged `node` user. Nothing is written at run time (DATABASE_URL
# is PostgreSQL, not the embedded PGlite) but /tmp and the gateway's audit witness file (AUDIT_WITNESS_FILE), both on
# mounted volumes, so the root file system can be mounted read-only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=dependencies --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
USER node
EXPOSE 4000
# The gateway's health endpoint on PORT (503 while starting or stopping). Kubernetes ignores HEALTHCHECK and uses the
# probes of the manifests instead; a subgraph container (its own *_PORT) should be run with --no-healthcheck.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-old-space-size=512", "dist/gateway/main.js"]
