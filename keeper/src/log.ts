/** pino JSON logs; one child logger per component (`log.child({ component: "dispatch" })`). */
import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: "keeper" }, redact: ["privateKey", "password"] }, destination);
}
