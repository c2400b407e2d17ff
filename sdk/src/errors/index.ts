export * from "./errors.js";
export { formatZodError, toValidationError } from "./zod.js";
