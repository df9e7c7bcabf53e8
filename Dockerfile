# syntax=docker/dockerfile:1
# NexTarget server: build with the locked dependencies, run as a non-root
# user on a small Debian image. Configuration comes from the environment
# (see docs/configuration.md); config/*.toml are also embedded in the binary.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin nextarget \
    && cp target/release/nextarget /usr/local/bin/nextarget

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --create-home nextarget
COPY --from=builder /usr/local/bin/nextarget /usr/local/bin/nextarget
COPY config /app/config
WORKDIR /app
USER nextarget:nextarget
# production.toml listens on 0.0.0.0:8000 and logs JSON; it refuses to start
# without JWT_SECRET_KEY (32+ bytes). SQLite (the default database.url) lives
# in /app; mount a volume there or set DATABASE_URL to PostgreSQL.
ENV NEXTARGET_ENV=production
EXPOSE 8000
# SIGTERM (docker stop) drains requests for server.shutdown_grace_secs (10 s):
# keep docker's stop timeout above it.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/nextarget"]
CMD ["serve"]
