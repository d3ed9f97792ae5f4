# The chat demo (`npm start`) in a container: docker build -t socketeer-chat . && docker run -p 3000:3000 socketeer-chat
# See docs/deploy.md (proxy, TLS, several processes).
FROM node:20-slim

# inside a container the published port is the gate: listen on every interface of the container (the demo's
# default, 127.0.0.1, would answer nothing from outside); the SQLite file in a volume survives the container
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app
RUN chown node:node /app
USER node

# the sources before `npm ci`, so that a `prepare` script (which builds dist/) finds them; the demo runs its
# TypeScript through tsx and bundles the browser client with esbuild at start (devDependencies): --include=dev
COPY --chown=node:node package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node src ./src
COPY --chown=node:node examples ./examples
RUN npm ci --include=dev && npm cache clean --force && mkdir -p /app/data
VOLUME /app/data

EXPOSE 3000

# GET /healthz answers 200 ok (the slim image has no curl: Node.js does the request)
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `docker stop` sends SIGTERM: the demo closes its server and exits
CMD ["npm", "start"]
