# toolgate container image: an OpenAI-compatible gateway with real tool calling for raw-text LLMs.
#
#   docker build -t toolgate .
#   docker run --rm -p 8080:8080 toolgate                      # the demo: replay backend, bundled capture
#   docker run --rm -p 8080:8080 toolgate serve --listen 0.0.0.0:8080 \
#       --backend http://llama:8080 --dialect llamacpp --template backend --parser hermes --model-name qwen

# Build stage: the Swift toolchain and the three -dev packages.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcre2-dev libmicrohttpd-dev libcurl4-openssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies resolve in their own layer, so editing sources does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
# SwiftPM checks every target's directory when it loads the package, tests included.
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product toolgate \
    && install -D "$(swift build -c release --show-bin-path)/toolgate" /out/toolgate

# Runtime stage: slim Debian with only the runtime libraries, the binary, the parser families and the demo.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcre2-8-0 libmicrohttpd12 libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --no-create-home --home-dir /opt/toolgate --shell /usr/sbin/nologin toolgate
COPY --from=build /out/toolgate /usr/local/bin/toolgate
COPY parsers /opt/toolgate/parsers
COPY demo /opt/toolgate/demo
WORKDIR /opt/toolgate
ENV TOOLGATE_PARSERS_DIR=/opt/toolgate/parsers
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["toolgate"]
CMD ["serve", "--config", "/opt/toolgate/demo/toolgate.yaml", "--listen", "0.0.0.0:8080"]
