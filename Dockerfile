# SupportOps in production: a release build in the Swift image, run in the slim Swift runtime image as a non-root user.
# The same commands as the README's tested path: `swift build -c release --product supportops`, then
# `supportops migrate` and `supportops serve --hostname … --port …`. See compose.yaml for two instances on PostgreSQL.

FROM swift:6.3-bookworm AS build
WORKDIR /src
# Dependencies first, so that a change of our sources does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product supportops \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/supportops" /staging/ \
    && cp -R "$(swift build -c release --show-bin-path)"/*.resources /staging/

FROM swift:6.3-bookworm-slim
RUN useradd --system --create-home --uid 10001 supportops \
    && mkdir -p /data \
    && chown supportops /data
WORKDIR /app
# The binary finds its resource bundles (views, styles, policies, the intent model) next to itself.
COPY --from=build /staging /app
USER 10001
ENV SUPPORTOPS_ACTION_LOG=/data/action_log.jsonl \
    SUPPORTOPS_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/app/supportops"]
CMD ["serve", "--hostname", "0.0.0.0", "--port", "8080"]
