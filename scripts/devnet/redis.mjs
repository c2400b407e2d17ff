// Redis as a devnet service (Debian's redis-server; `bash scripts/ensure-services.sh` installs it as root):
// a private server on the instance's port, its files in the instance's folder, in the common
// `start(config) -> { ready, stop }` shape.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createConnection } from "node:net";

const ping = (host, port) =>
  new Promise((resolve) => {
    const s = createConnection({ host, port }, () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.once("error", () => resolve(false));
  });

export const redis = {
  name: "redis",
  /** Whether Debian's redis-server is installed here. */
  available: () => spawnSync("redis-server", ["--version"]).status === 0,
  /**
   * @param {{ host: string, port: number, dir: string, logFile?: string }} config
   * @returns {{ ready: Promise<void>, stop: () => Promise<void>, url: string }}
   */
  start(config) {
    mkdirSync(config.dir, { recursive: true });
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(config.port),
        "--bind",
        config.host,
        "--dir",
        config.dir,
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    if (config.logFile) {
      const out = createWriteStream(config.logFile, { flags: "a" });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
    }
    let exitCode;
    const exited = new Promise((resolve) => {
      child.on("exit", (code) => {
        exitCode = code;
        resolve(code);
      });
      child.on("error", () => {
        exitCode = 127;
        resolve(127);
      });
    });
    const ready = (async () => {
      for (let i = 0; ; i++) {
        if (exitCode !== undefined)
          throw new Error(`redis-server exited (code ${exitCode}); is it installed?`);
        if (await ping(config.host, config.port)) return;
        if (i > 200) throw new Error(`redis-server did not answer on ${config.host}:${config.port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return {
      ready,
      url: `redis://${config.host}:${config.port}`,
      async stop() {
        if (exitCode !== undefined) return;
        child.kill("SIGTERM");
        await exited;
      },
    };
  },
};
