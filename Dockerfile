# Tunnel Doctor container image (README "Deploy to Azure"):
#
#   docker build -t tunnel-doctor .
#   docker run --env-file .env -p 3978:3978 tunnel-doctor
#
# Three stages: `deps` installs the production dependencies only (npm ci --omit=dev), `build`
# compiles TypeScript with the dev dependencies, and the runtime stage gets node_modules from `deps`
# and dist/ from `build`: no TypeScript, tsx, vitest or other dev tool in the image.
# test/deploy/production-tree.test.ts assembles the same tree without Docker and runs this CMD in it.

ARG NODE_IMAGE=node:20-bookworm

# --- production dependencies ---------------------------------------------------------------------
# The full bookworm image has python3/make/g++, in case better-sqlite3 has no prebuilt binary for
# the platform; the result runs on bookworm-slim below (same Debian release, same glibc).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- build -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
COPY cards ./cards
COPY scenarios ./scenarios
# tsc, then scripts/copy-assets.mjs: files modules read next to themselves at run time (the local
# chat page under src/transport/local-chat/page) are copied beside the compiled output.
COPY scripts/copy-assets.mjs ./scripts/
RUN npm run build

# --- runtime -----------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3978
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The card templates and the demo scenarios (AZURE_MODE=simulated) as data next to the code.
COPY --from=build --chown=node:node /app/cards ./cards
COPY --from=build --chown=node:node /app/scenarios ./scenarios
# The default SQLite state file lives in /app/data (mount a volume, or use STATE_STORE=blob).
RUN mkdir -p /app/data && chown node:node /app/data
# The official image's unprivileged user (uid 1000): the bot needs no root for anything.
USER node
EXPOSE 3978
# No curl in the slim image: Node's fetch asks /healthz (alive) on the port the bot listens on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Compiled JavaScript, no tsx. SIGTERM (docker stop, Container Apps) drains running work for up to
# SHUTDOWN_GRACE_SECONDS (default 25) before exiting; node runs as PID 1 and handles it itself.
STOPSIGNAL SIGTERM
CMD ["node", "--disable-warning=DEP0111", "dist/src/main.js"]
