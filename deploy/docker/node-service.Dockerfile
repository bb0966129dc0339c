# One image recipe for the three cloud services (ingest, sync-coordinator, status); they differ only in the
# bundle they run and the port they listen on. device-gateway has its own Dockerfile (native SQLite module,
# data volume, device ports): deploy/docker/device-gateway/Dockerfile.
#
#   docker build -f deploy/docker/node-service.Dockerfile --build-arg SERVICE=ingest --build-arg PORT=3001 \
#     -t attendance/ingest:dev .
#
# Build context: the repository root (.dockerignore keeps node_modules, dist, .git and local state out).
# Needs BuildKit (the default builder since Docker 23) for the npm cache mount.

# Current Node LTS line. Pin a digest (node:24-bookworm-slim@sha256:...) in the release pipeline.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- base: Node + tini, shared by every stage ------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
# NOTE: Node as PID 1 gets no default signal dispositions (SIGTERM would be ignored unless the app handles it)
# and does not reap orphaned children. tini runs as PID 1, forwards SIGTERM/SIGINT to node (Nest's shutdown
# hooks then drain Kafka consumers and close pools) and reaps zombies. It is baked into the image rather than
# relying on `docker run --init`, because Kubernetes has no equivalent flag.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# ---- deps: every dependency (dev included: esbuild and SWC build the bundle) ----------------------------
FROM base AS deps
# Only the manifests first, so this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
# --ignore-scripts: the cloud services never load better-sqlite3 (edge only), so its node-gyp build is
# skipped and this image needs no compiler. esbuild and SWC load their platform binaries from optional
# dependency packages, which need no install script.
RUN --mount=type=cache,target=/var/cache/npm \
    npm ci --cache /var/cache/npm --ignore-scripts --no-audit --no-fund

# ---- build: bundle one service to dist/services/<name>/main.js -----------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.base.json .swcrc ./
COPY tools/build tools/build
COPY libs libs
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<ingest|sync-coordinator|status>" >&2; exit 1; }
# Only this service's sources, so a change in another service does not invalidate this image's build.
COPY services/${SERVICE} services/${SERVICE}
RUN node tools/build/build-services.mjs "${SERVICE}"

# ---- prod-deps: the same node_modules minus devDependencies ----------------------------------------------
FROM deps AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------------
FROM base AS runtime
ARG SERVICE
ARG PORT=3000
# Reported in logs and metrics; the release pipeline passes the real version.
ARG SERVICE_VERSION=0.1.0-dev
ENV NODE_ENV=production \
    SERVICE_NAME=${SERVICE} \
    SERVICE_VERSION=${SERVICE_VERSION} \
    PORT=${PORT} \
    HOST=0.0.0.0
# Code and dependencies stay root-owned and read-only for the service user.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/services/${SERVICE} ./dist/services/${SERVICE}
COPY deploy/docker/healthcheck.cjs ./healthcheck.cjs
# The image's `node` user, by number so that Kubernetes `runAsNonRoot` can verify it.
USER 1000:1000
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.cjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# `sh -c exec` only to expand SERVICE_NAME; exec replaces the shell, so node is tini's direct child.
CMD ["sh", "-c", "exec node --enable-source-maps dist/services/${SERVICE_NAME}/main.js"]
