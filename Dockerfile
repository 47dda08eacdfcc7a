# syntax=docker/dockerfile:1
#
# Both services and the development tool from one build. Pick the image with a target:
#   docker build --target contact-service -t labs-order/contact-service .
#   docker build --target order-service   -t labs-order/order-service .
#   docker build --target dev-tools       -t labs-order/dev-tools .
# compose.yaml does this with `build.target`; its one-shot `secrets-init` service runs the
# dev-tools image (`labs-dev init /secrets`), which also mints tokens (`labs-dev token`).
#
# Not built yet: the machines this project is developed on have no Docker engine.

# The locked dependencies need Rust 1.89 or newer (uuid 1.29 declares rust-version 1.89;
# mongodb 3.9 and progenitor 0.15 declare 1.88), so the builder cannot be older than that.
ARG RUST_VERSION=1.89

FROM rust:${RUST_VERSION}-bookworm AS builder
# rdkafka builds librdkafka from source with its default (configure + make, not cmake) build,
# with the `ssl` feature against the system OpenSSL and zlib found through pkg-config.
# python3: librdkafka's top-level Makefile refers to it (packaging/get_version.py); cheap insurance.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libssl-dev zlib1g-dev pkg-config python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The cache mounts keep the registry and the target directory between builds; the binaries are
# copied out of the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin contact-service --bin order-service --bin labs-dev \
 && mkdir -p /out \
 && cp target/release/contact-service target/release/order-service target/release/labs-dev /out/

# Shared runtime: the binaries link OpenSSL and zlib dynamically; librdkafka is linked in.
# No curl or wget: compose's healthchecks speak HTTP through bash's /dev/tcp (bash, head and grep
# are part of the base image).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
USER 10001:10001

# labs-dev: development secrets (CA, certificates, JWT signing key and JWKS, passwords) and
# tokens signed with that key. Not for production secrets. No entrypoint: compose runs
# deploy/secrets/init.sh in it (as root, to hand each file to the user that reads it), and
# `docker compose run --rm -T secrets-init labs-dev token /secrets` prints a token.
# bash, coreutils and grep come with the base image; the scripts need nothing else.
FROM runtime AS dev-tools
COPY --from=builder /out/labs-dev /usr/local/bin/labs-dev
CMD ["labs-dev"]

FROM runtime AS contact-service
COPY --from=builder /out/contact-service /usr/local/bin/contact-service
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/contact-service"]

# Last stage: also what a plain `docker build .` produces.
FROM runtime AS order-service
COPY --from=builder /out/order-service /usr/local/bin/order-service
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/order-service"]
