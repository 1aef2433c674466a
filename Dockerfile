# The image compose.yaml builds: chat run by the pinned Deno (the same
# version .ci/run installs). Not built where chat is developed (no Docker
# there); kept minimal so that what it runs is exactly `chat`.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY . .
# Only what main.ts loads: the tests' packages (a browser driver) stay out.
RUN deno install --entrypoint main.ts
EXPOSE 8080 8081
ENTRYPOINT ["deno", "run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "main.ts"]
