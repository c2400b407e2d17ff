export * from "../../ponder.schema.js";
