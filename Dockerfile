# imgmod: one image for the API and the workers (`--role api|worker|all`).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY scripts/token.ts ./scripts/token.ts
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:24-bookworm-slim
# jemalloc instead of glibc's malloc: sharp's guidance for long-running processes on glibc (less fragmentation,
# flat memory). The link gives one LD_PRELOAD path on amd64 (x86_64-linux-gnu) and arm64 (aarch64-linux-gnu).
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2 \
  && rm -rf /var/lib/apt/lists/* \
  && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
# jemalloc's background thread purges freed pages on time even while the process is idle; without it, pages are only
# handed back when the same allocator arena is used again, so a worker kept what a burst of uploads freed.
ENV MALLOC_CONF=background_thread:true
ENV NODE_ENV=production DATA_DIR=/data PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
# public/: the moderator page, widget.js and the favicon; demo/photos/: seeded by /demo when DEMO_MODE is on.
COPY public ./public
COPY demo/photos ./demo/photos
RUN mkdir -p /data && chown node:node /data
# The image's own unprivileged user (uid 1000): imgmod needs no root, and a compromised process gets none.
USER node
EXPOSE 8080
# On the configured PORT (compose sets it; 8080 by default).
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--role", "all"]
