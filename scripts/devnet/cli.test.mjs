// `npm run devnet` options: the keeper starts by default (when redis-server is installed), --no-keeper opts out.
import { describe, expect, it } from "vitest";
import { NO_REDIS, parseOptions } from "./cli.mjs";

describe("devnet options", () => {
  it("starts the keeper by default when redis-server is there, on a private Redis at a free port", () => {
    const o = parseOptions([], {});
    expect(o.keeper).toBe("auto");
    expect(o.keeperPort).toBe(8788);
    expect(o.redisPort).toBeNull();
  });

  it("leaves it out with --no-keeper, requires it with --keeper, refuses both", () => {
    expect(parseOptions(["--no-keeper"], {}).keeper).toBe(false);
    expect(parseOptions(["--keeper", "--redis-port", "6390"], {})).toMatchObject({
      keeper: true,
      redisPort: 6390,
    });
    expect(() => parseOptions(["--keeper", "--no-keeper"], {})).toThrow(
      "--keeper and --no-keeper exclude each other",
    );
  });

  it("says in one line how to install redis-server when it is missing", () => {
    expect(NO_REDIS.split("\n")).toHaveLength(1);
    expect(NO_REDIS).toContain("apt-get install redis-server");
  });
});
