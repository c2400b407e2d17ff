// The Node.js versions the project runs on, checked first by every entry script (before any dependency is
// imported, so an old Node gets one line instead of a SyntaxError from deep inside a package).
//
// Why these: Vitest 4 runs on Vite 7 and rolldown, which declare `^20.19.0 || >=22.12.0` and call
// node:util's styleText (Node 20.12 / 21.7) and require() of ES modules (unflagged in 20.19 / 22.12);
// @graphprotocol/graph-cli wants >= 20.18.1. Nothing else the devnet or the tests use needs more.
// Keep in sync with "engines" in package.json (a test compares them).
export const NODE_RANGE = "^20.19.0 || >=22.12.0";

/** True when `version` ("v20.19.0" or "20.19.0") is within NODE_RANGE. */
export function nodeVersionOk(version) {
  const [major, minor] = String(version).replace(/^v/, "").split(".").map(Number);
  if (major === 20) return minor >= 19;
  if (major === 22) return minor >= 12;
  return major > 22;
}

/** Exits with one line saying what to install when this Node is outside NODE_RANGE. */
export function requireNode(what = "Neural") {
  if (nodeVersionOk(process.versions.node)) return;
  console.error(
    `${what} needs Node.js ${NODE_RANGE}; this is ${process.version}. Install Node.js 22 LTS (or 20.19+), e.g. \`nvm install 22\`, and run \`npm install\` again.`,
  );
  process.exit(1);
}
