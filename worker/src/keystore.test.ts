import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decryptKeystore as ethersDecrypt,
  encryptKeystore as ethersEncrypt,
} from "@ethersproject/json-wallets";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { UserError } from "./errors.js";
import {
  createKeystoreFile,
  decryptKeystore,
  encryptKeystore,
  loadKeystoreFile,
  readPassword,
} from "./keystore.js";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
const FAST = { scryptN: 1 << 10 };

describe("keystore (Web3 Secret Storage v3)", () => {
  it("round-trips, and ethers reads what we write", async () => {
    const ks = await encryptKeystore(KEY, "correct horse", FAST);
    expect(ks.version).toBe(3);
    expect(ks.crypto.kdf).toBe("scrypt");
    expect(await decryptKeystore(ks, "correct horse")).toBe(KEY);
    const account = await ethersDecrypt(JSON.stringify(ks), "correct horse");
    expect(account.privateKey).toBe(KEY);
    expect(account.address).toBe(privateKeyToAddress(KEY));
  });

  it("reads what ethers writes", async () => {
    const json = await ethersEncrypt(
      { address: privateKeyToAddress(KEY), privateKey: KEY },
      "pw-from-ethers",
      {
        scrypt: { N: 1 << 10 },
      },
    );
    expect(await decryptKeystore(json, "pw-from-ethers")).toBe(KEY);
  });

  it("refuses a wrong password with a clear error", async () => {
    const ks = await encryptKeystore(KEY, "correct horse", FAST);
    await expect(decryptKeystore(ks, "wrong horse", "keystore k.json")).rejects.toThrow(
      new UserError("wrong password for keystore k.json"),
    );
  });

  it("writes a 0600 file, never overwrites it, and loads it back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neural-ks-"));
    const path = join(dir, "sub", "keystore.json");
    const { address } = await createKeystoreFile(path, "long enough", FAST);
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe("600");
    const pk = await loadKeystoreFile(path, "long enough");
    expect(privateKeyToAddress(pk)).toBe(address);
    await expect(createKeystoreFile(path, "long enough", FAST)).rejects.toThrow(/already exists/);
    await expect(createKeystoreFile(join(dir, "b.json"), "short", FAST)).rejects.toThrow(/at least 8/);
    await expect(loadKeystoreFile(join(dir, "missing.json"), "x")).rejects.toThrow(/neural-worker init/);
    expect(JSON.parse(await readFile(path, "utf8")).address).toBe(address.slice(2).toLowerCase());
  });

  it("reads the password from a file, and says what to do without one off a terminal", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neural-pw-"));
    const file = join(dir, "pw");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, "secret words\nignored\n"));
    expect(await readPassword({ passwordFile: file, prompt: "" })).toBe("secret words");
    await expect(readPassword({ passwordFile: join(dir, "none"), prompt: "" })).rejects.toThrow(
      /cannot read/,
    );
    if (!process.stdin.isTTY) {
      await expect(readPassword({ prompt: "" })).rejects.toThrow(/--password-file/);
    }
  });
});
