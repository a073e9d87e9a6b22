# onboarder's image: the binary at /usr/local/bin/onboarder and the example learning-path templates
# at /usr/share/onboarder/issue-templates (a roster repository's config may point `templates:` there).
# The runtime keeps a shell on purpose: GitLab CI runs a job's `script:` with the image's shell,
# so a shell-less image (distroless) could not serve as a job image.

ARG RUST_VERSION=1.95

# The full image, not -slim: aws-lc-sys (rustls) compiles C and wants the usual build tools.
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
# The release profile strips the binary (Cargo.toml): the image ships 12.7 MB, not 74 MB.
RUN cargo build --release --locked --bin onboarder

FROM debian:bookworm-slim
# ca-certificates: onboarder verifies GitLab's TLS certificate (rustls with the system roots).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates=20230311* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /home/onboarder --create-home onboarder
COPY --from=build /src/target/release/onboarder /usr/local/bin/onboarder
COPY issue-templates/ /usr/share/onboarder/issue-templates/
USER 10001
WORKDIR /home/onboarder
ENTRYPOINT ["onboarder"]
CMD ["--help"]
