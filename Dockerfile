# syntax=docker/dockerfile:1
# Production image of the CRM: the `crm` binary and the SPA it serves.
# Built by `docker compose build` (BuildKit, for the cache mounts below).

# ---- builder --------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

# binaryen's wasm-opt comes from npm: Debian's binaryen (v108) emits a .wasm that Chromium
# rejects. Node 20 is taken from the official image since bookworm only packages Node 18.
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && rustup target add wasm32-unknown-unknown \
 && npm install --no-audit --no-fund --prefix /root/.cache/crm/tools binaryen@132.0.0

WORKDIR /src

# wasm-bindgen-cli must be exactly the wasm-bindgen version of Cargo.lock (the CLI refuses
# any other), and is installed without --locked, as measured to work. Only the lockfile
# is copied first so that this 7-minute layer survives source changes.
COPY Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)" \
 && test -n "$version" \
 && cargo install wasm-bindgen-cli --version "$version"

COPY . .
# The SPA is built here and shipped next to the binary, which serves it from CRM_SPA_DIR.
# target/ is a cache mount, so the binary is copied out within the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo xtask spa \
 && cargo build --release --locked --package crm-server \
 && cp target/release/crm /usr/local/bin/crm

# ---- runtime --------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app crm

WORKDIR /app
COPY --from=builder /usr/local/bin/crm /usr/local/bin/crm
COPY --from=builder /src/frontend/dist /app/dist

ENV CRM_SPA_DIR=/app/dist \
    CRM_BIND=0.0.0.0:8080
USER crm
EXPOSE 8080
CMD ["crm", "serve", "--bind", "0.0.0.0:8080"]
