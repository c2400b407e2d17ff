/** The worker software's version (package.json's), shown by `--version` and sent in heartbeats. */
export const VERSION = "0.1.0";
