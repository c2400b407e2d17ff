// The benchmark's floor: the indexer's own config (chain, database, contracts) with handlers that do
// nothing (src/noop.ts), so Ponder fetches, stores and decodes the same events. See bench/backfill.ts.
export { default } from "../../ponder.config.js";
