# syntax=docker/dockerfile:1
# wechat-mcp in a container. Quick start: docker compose up -d (docker-compose.yml), then open
# http://localhost:8083/login?token=<MCP_AUTH_TOKEN> and scan. More in docs/deployment.md.
#
# Node 24 is the newest LTS (supported until April 2028). Debian slim rather than Alpine: leveldown (under wechaty)
# ships glibc prebuilds.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies before sources, so this layer is reused while only the code changes.
COPY package.json package-lock.json ./
COPY mcp-sse-server/package.json mcp-sse-server/
# Runtime dependencies only: the image never holds the test tools (vitest, Claude Code, the Inspector, ~600 MB).
RUN npm ci --omit=dev --no-audit --no-fund
COPY mcp-sse-server/tsconfig.json mcp-sse-server/tsconfig.build.json mcp-sse-server/
COPY mcp-sse-server/src mcp-sse-server/src
# The compiler alone, at the version the lockfile pins, beside the app and removed after. It only emits (--noCheck):
# the types are checked where the dev dependencies are installed (npm run lint, CI). The package-level node_modules
# holds only what npm could not hoist, and may be empty.
RUN npm install --prefix .tsc --no-save --no-package-lock --no-audit --no-fund \
      "typescript@$(node -p "require('./package-lock.json').packages['node_modules/typescript'].version")" \
 && node .tsc/node_modules/typescript/bin/tsc -p mcp-sse-server/tsconfig.build.json --noCheck \
 && rm -rf .tsc && mkdir -p mcp-sse-server/node_modules

FROM ${NODE_IMAGE}
# tini as PID 1 forwards SIGTERM to node and reaps zombies, so the image stops cleanly with or without `--init`.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# Listening on all interfaces inside the container: the server then refuses to start without MCP_AUTH_TOKEN.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8083 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/mcp-sse-server/package.json mcp-sse-server/
COPY --from=build /app/mcp-sse-server/node_modules mcp-sse-server/node_modules
COPY --from=build /app/mcp-sse-server/dist mcp-sse-server/dist
# The login session (memory card) and the audit log live in /data: mount a volume there to keep them.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8083
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8083)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# --max-semi-space-size=4: ~40 MB less idle memory (docs/benchmarks.md).
CMD ["node", "--max-semi-space-size=4", "mcp-sse-server/dist/main.js", "serve"]
