# Both services and the development tool from one build. Pick the image with a target:
#   docker build --target contact-service -t labs-order/contact-service .
#   docker build --target order-service   -t labs-order/order-service .
#   docker build --target dev-tools       -t labs-order/dev-tools .
# compose.yaml does this with `build.target`; its one-shot `secrets-init` service runs the
# dev-tools image (`labs-dev init /secrets`), which also mints tokens (`labs-dev token`).
# Needs BuildKit (Docker 23+ builds with it; older: DOCKER_BUILDKIT=1): it builds only the
# stages a target uses, and the builder keeps its caches in cache mounts.
#
# Base images are arguments: RUST_IMAGE (the build stage) and RUNTIME_IMAGE (the slim stage the
# images run on). BINARIES=host skips the Rust build and takes contact-service, order-service
# and labs-dev from the top of the build context instead: where no Rust image can be pulled,
# `cargo xtask images` builds them on the host and passes a context holding only them:
#   docker build --build-arg BINARIES=host --build-arg RUNTIME_IMAGE=... -f Dockerfile DIR

# The locked dependencies need Rust 1.89 or newer (uuid 1.29 declares rust-version 1.89;
# mongodb 3.9 and progenitor 0.15 declare 1.88), so the builder cannot be older than that.
ARG RUST_IMAGE=rust:1.89-bookworm
# The host binaries link the host's glibc and OpenSSL 3: Debian 12 (bookworm) or newer.
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG BINARIES=source

FROM ${RUST_IMAGE} AS binaries-source
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
    cargo build --release --locked -p labs-order -p labs-devkit --bin contact-service --bin order-service --bin labs-dev \
 && mkdir -p /out \
 && cp target/release/contact-service target/release/order-service target/release/labs-dev /out/

# The binaries built on the host (BINARIES=host): the build context is a directory with the
# three files.
FROM ${RUNTIME_IMAGE} AS binaries-host
COPY contact-service order-service labs-dev /out/

FROM binaries-${BINARIES} AS binaries

# Shared runtime: the binaries link OpenSSL and zlib dynamically; librdkafka is linked in.
# No curl or wget: compose's healthchecks speak HTTP through bash's /dev/tcp (bash, head and grep
# are part of the base image).
FROM ${RUNTIME_IMAGE} AS runtime
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
COPY --from=binaries /out/labs-dev /usr/local/bin/labs-dev
CMD ["labs-dev"]

FROM runtime AS contact-service
COPY --from=binaries /out/contact-service /usr/local/bin/contact-service
EXPOSE 8080
# Ready means MongoDB and Kafka answer with this service's credentials; no curl or wget in the
# image, so bash's /dev/tcp asks /health/ready (no token needed).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CONTACT_PORT:-8080} && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/contact-service"]

# Last stage: also what a plain `docker build .` produces.
FROM runtime AS order-service
COPY --from=binaries /out/order-service /usr/local/bin/order-service
EXPOSE 3000
# Ready means MongoDB and Kafka answer with this service's credentials; no curl or wget in the
# image, so bash's /dev/tcp asks /health/ready (no token needed).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${ORDER_PORT:-3000} && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/order-service"]
