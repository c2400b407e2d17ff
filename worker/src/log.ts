/** pino JSON logs on stderr (stdout is kept for command output); one child logger per component. */
import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination: number | NodeJS.WritableStream = 2): Logger {
  const dest =
    typeof destination === "number" ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino({ level, base: { service: "neural-worker" }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}
