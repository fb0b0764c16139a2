# ftp-gateway image: build with dev dependencies, run with production ones only.
#
#   docker build -t ftp-gateway .
#   docker run --rm -p 8080:8080 --stop-timeout 40 \
#     -e FTP_URL='ftp://user:pass@ftp.example.com/outbox' -e API_KEYS='change-me:write' \
#     ftp-gateway
#
# HOST is 0.0.0.0 here, so the gateway refuses to start without API_KEYS (or
# auth.apiKeys in a CONFIG_FILE) unless AUTH_DISABLED=true.
# `docker stop` waits 10 s by default; give it more than shutdownGraceMs
# (30 s by default) so transfers in flight can finish: --stop-timeout 40,
# or `stop_grace_period: 40s` in compose.

# Node 24, the current LTS line. The full image of the same Node and Debian
# release has python3, make and g++ for the kernel relay addon (native/); the
# runtime image only loads the built file. Change both tags together.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG BUILD_IMAGE=node:24-bookworm

# ---------------------------------------------------------------- build
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
# Dependencies first, so the layer is reused while only sources change.
# --ignore-scripts: no dependency's install script is needed (TypeScript 7
# ships its compiler as a per-platform package), and it skips telemetry hooks;
# our own addon is built explicitly below.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/buildNative.mjs ./scripts/
COPY native ./native
# buildNative removes a build this Node cannot load: then the test fails the image.
RUN npm run build:native && test -f native/build/Release/socket_relay.node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
# V8's young generation capped at 3 × 16 MiB, as Node 20 had it: Node 24 grows
# it to 128 MiB whatever the heap limit, which brought 24 concurrent listings
# to the 256 MiB of deploy/kubernetes. The reliability tier and the bench run
# the gateway with the same (test/helpers/imageNodeOptions.ts).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=16
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Found from dist/ftp/data at ../../../native/build/Release.
COPY --from=build /app/native/build/Release/socket_relay.node ./native/build/Release/
# Read at run time relative to dist/: the OpenAPI document (/openapi.json, /docs) and the /ui page.
COPY openapi ./openapi
COPY ui ./ui

# The official image's unprivileged user (uid 1000); the app writes nothing to disk.
USER node

ENV HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
# Active-mode data connections (EPRT/PORT): the FTP server connects back to
# the gateway. Only needed when a server uses mode=active (or auto falls back
# to it). The range must match the server's activePorts (e.g.
# FTP_URL=...?activePorts=50000-50100&activeAddress=<the host's public IP>)
# and be published with the same numbers: -p 50000-50100:50000-50100.
EXPOSE 50000-50100

# No curl in slim images: node's own fetch. PORT is read at check time so an
# overridden PORT is still probed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself (main.ts handles it).
CMD ["node", "dist/main.js"]
