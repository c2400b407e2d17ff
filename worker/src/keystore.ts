/**
 * The worker (hot) key, encrypted at rest in the Web3 Secret Storage v3 format that geth, Foundry (`cast wallet`)
 * and ethers read and write: scrypt key derivation, AES-128-CTR, keccak-256 MAC. Node's native scrypt does the
 * work (a fraction of a second at geth's standard N = 2^17, where pure JavaScript takes seconds); the format is
 * checked against ethers' implementation in the tests. The password comes from a prompt or a file, never a flag.
 */
import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  randomUUID,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { stdin, stdout } from "node:process";
import { bytesToHex, concatBytes, type Hex, hexToBytes, keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { UserError } from "./errors.js";

export interface KeystoreV3 {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: Record<string, number | string>;
    mac: string;
  };
}

export interface EncryptOptions {
  /** scrypt cost (power of two). Default 2^17, geth's and ethers' standard. */
  scryptN?: number;
}

function derive(
  password: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
  dkLen: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFKC"),
      salt,
      dkLen,
      { N: n, r, p, maxmem: 256 * n * r + 64 * 1024 * 1024 },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  );
}

const strip = (hex: string) => (hex.startsWith("0x") ? hex.slice(2) : hex);

/** Encrypts `privateKey` as a v3 keystore. */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  options: EncryptOptions = {},
): Promise<KeystoreV3> {
  const n = options.scryptN ?? 1 << 17;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = await derive(password, salt, n, 8, 1, 32);
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  const mac = keccak256(concatBytes([key.subarray(16, 32), ciphertext]));
  return {
    version: 3,
    id: randomUUID(),
    address: strip(privateKeyToAddress(privateKey)).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams: { dklen: 32, n, p: 1, r: 8, salt: salt.toString("hex") },
      mac: strip(mac),
    },
  };
}

/** Decrypts a v3 keystore (scrypt or pbkdf2-sha256); UserError on a wrong password or a malformed file. */
export async function decryptKeystore(
  json: string | KeystoreV3,
  password: string,
  what = "keystore",
): Promise<Hex> {
  let ks: KeystoreV3;
  try {
    ks = typeof json === "string" ? (JSON.parse(json) as KeystoreV3) : json;
  } catch (cause) {
    throw new UserError(`${what} is not JSON: is it a keystore written by \`neural-worker init\`?`, {
      cause,
    });
  }
  const c = ks?.crypto ?? (ks as unknown as { Crypto?: KeystoreV3["crypto"] }).Crypto;
  if (ks?.version !== 3 || !c || c.cipher !== "aes-128-ctr") {
    throw new UserError(`${what} is not a Web3 Secret Storage v3 keystore (aes-128-ctr)`);
  }
  const kp = c.kdfparams;
  const salt = Buffer.from(strip(String(kp.salt)), "hex");
  const dkLen = Number(kp.dklen);
  let key: Buffer;
  if (c.kdf === "scrypt") {
    key = await derive(password, salt, Number(kp.n), Number(kp.r), Number(kp.p), dkLen);
  } else if (c.kdf === "pbkdf2" && kp.prf === "hmac-sha256") {
    const { pbkdf2Sync } = await import("node:crypto");
    key = pbkdf2Sync(password.normalize("NFKC"), salt, Number(kp.c), dkLen, "sha256");
  } else {
    throw new UserError(`${what} uses an unsupported key derivation (${c.kdf})`);
  }
  const ciphertext = Buffer.from(strip(c.ciphertext), "hex");
  const mac = hexToBytes(keccak256(concatBytes([key.subarray(16, 32), ciphertext])));
  const expected = Buffer.from(strip(c.mac), "hex");
  if (expected.length !== mac.length || !timingSafeEqual(expected, mac)) {
    throw new UserError(`wrong password for ${what}`);
  }
  const decipher = createDecipheriv(
    "aes-128-ctr",
    key.subarray(0, 16),
    Buffer.from(strip(c.cipherparams.iv), "hex"),
  );
  const privateKey = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  if (
    ks.address &&
    strip(privateKeyToAddress(privateKey)).toLowerCase() !== strip(ks.address).toLowerCase()
  ) {
    throw new UserError(
      `${what}: the decrypted key does not match the address in the file (corrupted keystore)`,
    );
  }
  return privateKey;
}

/** Writes a new keystore at `path` (mode 0600). Refuses to overwrite an existing file. */
export async function createKeystoreFile(
  path: string,
  password: string,
  options: EncryptOptions & { privateKey?: Hex } = {},
): Promise<{ address: Hex; path: string }> {
  if (password.length < 8) throw new UserError("the keystore password must have at least 8 characters");
  const exists = await access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new UserError(`${path} already exists: keep it, or move it away to create a new key`);
  }
  const privateKey = options.privateKey ?? generatePrivateKey();
  const ks = await encryptKeystore(privateKey, password, options);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = await open(path, "wx", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(ks, null, 2)}\n`);
  } finally {
    await file.close();
  }
  return { address: privateKeyToAddress(privateKey), path };
}

/** Reads and decrypts the keystore at `path`. */
export async function loadKeystoreFile(path: string, password: string): Promise<Hex> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new UserError(`cannot read the keystore ${path}: create one with \`neural-worker init\``, {
      cause,
    });
  }
  return decryptKeystore(text, password, `keystore ${path}`);
}

/** The keystore password: the first line of `passwordFile`, else a hidden prompt on a TTY. */
export async function readPassword(input: {
  passwordFile?: string | undefined;
  prompt: string;
  /** Ask twice (creating a key). */
  confirm?: boolean;
}): Promise<string> {
  if (input.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(input.passwordFile, "utf8");
    } catch (cause) {
      throw new UserError(`cannot read the password file ${input.passwordFile}`, { cause });
    }
    const password = text.split(/\r?\n/)[0] ?? "";
    if (password === "") throw new UserError(`the password file ${input.passwordFile} is empty`);
    return password;
  }
  if (!stdin.isTTY) {
    throw new UserError(
      "no password: give --password-file <file> (or NEURAL_PASSWORD_FILE), or run on a terminal to be prompted",
    );
  }
  const first = await promptHidden(input.prompt);
  if (input.confirm) {
    const second = await promptHidden("Repeat the password: ");
    if (first !== second) throw new UserError("the passwords do not match");
  }
  return first;
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      stdout.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new UserError("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
