/**
 * Fine-tune lineage: a spec's `initialWeights` start training from a library model's weights. When it names the
 * ModelRegistry version they are (`initialWeights.model`), workers check the registry agrees before training, and
 * the model trained is that version's child: publish it with `parentModelId = parentModelOf(spec)`.
 */
import { ValidationError } from "../errors/errors.js";
import type { TaskSpec } from "../formats/spec.js";

/** What checking an initial-weights reference needs of the ModelRegistry. */
export interface ModelVersionReader {
  getModelVersion(
    modelId: bigint,
    version: bigint,
  ): Promise<{ weightsCidString: string; weightsHash: `0x${string}` }>;
}

/** The weights file to fetch before training, and the sha256 it must have when the registry vouches for it. */
export interface InitialWeights {
  cid: string;
  /**
   * The registered version's weightsHash; undefined when the spec names no model, or the version is unverified
   * (the registry keeps a weights hash only for versions proven against a finalized shard).
   */
  sha256?: `0x${string}`;
}

/**
 * The initial weights of `spec` (undefined when it trains from scratch). When it names a model version, the
 * registry's weights CID must be the spec's: ValidationError("initial weights") otherwise.
 */
export async function resolveInitialWeights(
  reader: ModelVersionReader,
  spec: Pick<TaskSpec, "initialWeights">,
): Promise<InitialWeights | undefined> {
  const weights = spec.initialWeights;
  if (weights === undefined) return undefined;
  if (weights.model === undefined) return { cid: weights.cid };
  const { id, version } = weights.model;
  const registered = await reader.getModelVersion(BigInt(id), BigInt(version));
  if (registered.weightsCidString !== weights.cid) {
    throw new ValidationError("initial weights", [
      {
        path: "initialWeights.cid",
        message: `is ${weights.cid}, but model ${id} v${version} is registered with weights ${registered.weightsCidString}`,
      },
    ]);
  }
  return /^0x0{64}$/.test(registered.weightsHash)
    ? { cid: weights.cid }
    : { cid: weights.cid, sha256: registered.weightsHash };
}

/** The `parentModelId` to publish a model trained by `spec` with: the library model it fine-tunes, else 0. */
export function parentModelOf(spec: Pick<TaskSpec, "initialWeights">): bigint {
  return BigInt(spec.initialWeights?.model?.id ?? 0);
}
