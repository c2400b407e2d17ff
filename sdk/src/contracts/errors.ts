/**
 * Turns failed contract calls into NeuralErrors: reverts become ContractRevertError with the custom error's
 * name and arguments decoded against every Neural ABI (a TaskManager call can revert with a NodeRegistry
 * error), transport failures become retryable NetworkError / TimeoutError.
 */
import {
  type Abi,
  type AbiParameter,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  hexToString,
  parseAbi,
  TimeoutError as ViemTimeoutError,
} from "viem";
import { ContractRevertError, NetworkError, NeuralError, TimeoutError } from "../errors/errors.js";
import {
  datasetRegistryAbi,
  disputeManagerAbi,
  modelRegistryAbi,
  neuralTimelockAbi,
  neuralTokenAbi,
  nodeRegistryAbi,
  sortitionAbi,
  taskManagerAbi,
  taskManagerExtensionAbi,
} from "./abis.js";
import { ENUM_NAMES } from "./enums.js";

export type AbiError = Extract<Abi[number], { type: "error" }>;

/** OpenZeppelin errors the contracts inherit (present in implementation ABIs, not in interfaces). */
const OPENZEPPELIN_ERRORS = parseAbi([
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error AccessControlBadConfirmation()",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InvalidSender(address sender)",
  "error ERC2612ExpiredSignature(uint256 deadline)",
  "error ERC2612InvalidSigner(address signer, address owner)",
  "error ReentrancyGuardReentrantCall()",
  "error SafeERC20FailedOperation(address token)",
  "error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)",
]);

/** Every error any Neural contract can revert with, one per selector. */
export const NEURAL_ERRORS_ABI: readonly AbiError[] = (() => {
  const seen = new Map<string, AbiError>();
  const all = [
    ...taskManagerAbi,
    ...nodeRegistryAbi,
    ...disputeManagerAbi,
    ...modelRegistryAbi,
    ...datasetRegistryAbi,
    ...neuralTokenAbi,
    ...taskManagerExtensionAbi,
    ...sortitionAbi,
    ...neuralTimelockAbi,
    ...OPENZEPPELIN_ERRORS,
  ];
  for (const item of all) {
    if (item.type !== "error") continue;
    const selector = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
    if (!seen.has(selector)) seen.set(selector, item as AbiError);
  }
  return [...seen.values()];
})();

const KNOWN_ROLES: Record<string, string> = {
  "0x0000000000000000000000000000000000000000000000000000000000000000": "DEFAULT_ADMIN_ROLE",
};

function formatArg(param: AbiParameter | undefined, value: unknown): string {
  const internal = (param as { internalType?: string } | undefined)?.internalType ?? "";
  const enumName = /^enum (?:\w+\.)?(\w+)$/.exec(internal)?.[1];
  if (enumName !== undefined && typeof value === "number") {
    const label = ENUM_NAMES[enumName]?.[value];
    if (label) return `${enumName}.${label}`;
  }
  if (param?.type === "bytes32" && typeof value === "string") {
    if (KNOWN_ROLES[value]) return KNOWN_ROLES[value];
    // parameter names are right-padded ASCII
    const text = hexToString(value as Hex).replace(/\0+$/, "");
    if (/^[\x20-\x7e]+$/.test(text)) return JSON.stringify(text);
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => formatArg(undefined, v)).join(", ")}]`;
  return typeof value === "string"
    ? value
    : JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** `Name(arg=value, ...)` with parameter names, enum labels and ASCII parameter names. */
export function formatCustomError(errorName: string, args: readonly unknown[], abiItem?: AbiError): string {
  const parts = args.map((value, i) => {
    const param = abiItem?.inputs[i];
    const rendered = formatArg(param, value);
    return param?.name ? `${param.name}=${rendered}` : rendered;
  });
  return `${errorName}(${parts.join(", ")})`;
}

export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
  abiItem?: AbiError;
}

/** Decodes revert data against every Neural error (plus Error(string) and Panic(uint256)). */
export function decodeRevertData(data: Hex): DecodedRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi: NEURAL_ERRORS_ABI, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [], abiItem: decoded.abiItem as AbiError };
  } catch {
    return undefined;
  }
}

export interface CallContext {
  contract?: string;
  functionName?: string;
}

/** Maps any error of a contract read or write to a NeuralError (ContractRevertError for reverts). */
export function toNeuralError(error: unknown, context: CallContext = {}): NeuralError {
  if (error instanceof NeuralError) return error;
  const where = context.contract
    ? `${context.contract}.${context.functionName ?? "call"}`
    : (context.functionName ?? "contract call");
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      let decoded: DecodedRevert | undefined = reverted.data
        ? {
            errorName: reverted.data.errorName,
            args: reverted.data.args ?? [],
            abiItem: reverted.data.abiItem as AbiError,
          }
        : undefined;
      if (decoded === undefined && reverted.raw) decoded = decodeRevertData(reverted.raw);
      if (decoded !== undefined) {
        const text =
          decoded.errorName === "Error" && typeof decoded.args[0] === "string"
            ? `Error(${JSON.stringify(decoded.args[0])})`
            : formatCustomError(decoded.errorName, decoded.args, decoded.abiItem);
        return new ContractRevertError(`${where} reverted: ${text}`, {
          errorName: decoded.errorName,
          args: decoded.args,
          cause: error,
          ...context,
        });
      }
      const reason = reverted.reason ?? "no reason";
      return new ContractRevertError(
        `${where} reverted: ${reason}${reverted.raw ? ` (data ${reverted.raw})` : ""}`,
        {
          cause: error,
          details: { raw: reverted.raw },
          ...context,
        },
      );
    }
    const timeout = error.walk((e) => e instanceof ViemTimeoutError);
    if (timeout) return new TimeoutError(`${where}: RPC request timed out`, { cause: error });
    const http = error.walk((e) => e instanceof HttpRequestError);
    if (http) return new NetworkError(`${where}: RPC unreachable: ${error.shortMessage}`, { cause: error });
    return new NeuralError(`${where} failed: ${error.shortMessage}`, { cause: error });
  }
  return new NeuralError(`${where} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
