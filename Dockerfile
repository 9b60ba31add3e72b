# Node 20 (package.json engines: >=20.17.0; Node 22 works too).
# Build stage: compiles TypeScript and the sqlite3 native module.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY dashboard ./dashboard
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what runs.
FROM node:20-bookworm-slim
# a larger young generation: a page of orders allocates several MB that die young (see README)
ENV NODE_ENV=production PORT=4000 NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
# the default sqlite database (DATABASE_URL=sqlite:./data/gateway.sqlite) lives here: keep it on a volume
VOLUME ["/app/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run once per deploy and need DATABASE_URL only: `docker run --rm -e DATABASE_URL=... <image> node dist/src/db/migrate-cli.js`
CMD ["node", "dist/src/main.js"]
