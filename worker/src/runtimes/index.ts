/**
 * Picks the container runtime the configuration names (NEURAL_RUNTIME). `auto` (the default) takes Docker when
 * its daemon answers, else the local bubblewrap sandbox with a warning: local is only for machines with no
 * container engine.
 */
import { join } from "node:path";
import type { WorkerConfig } from "../config.js";
import { UserError } from "../errors.js";
import { DockerRuntime } from "./docker.js";
import { KubernetesRuntime } from "./kubernetes.js";
import { LocalRuntime } from "./local.js";
import type { ContainerRuntime } from "./types.js";

type RuntimeConfig = Pick<
  WorkerConfig,
  "runtime" | "dockerHost" | "kubeconfig" | "kubernetesNamespace" | "kubernetesNode" | "home"
>;

export interface SelectedRuntime {
  runtime: ContainerRuntime;
  /** What `ping()` said of it. */
  detail: string;
  /** Set when the node runs with weaker isolation than a container engine gives, and why. */
  warning?: string;
}

export const LOCAL_WARNING =
  "running shards in the local bubblewrap sandbox: weaker isolation than a container engine (one user namespace, no seccomp profile of its own); install Docker for production";

function localRuntime(config: RuntimeConfig): LocalRuntime {
  return new LocalRuntime({ imagesDir: join(config.home, "images") });
}

/** The configured runtime, not yet pinged (`auto` gives Docker here; `selectRuntime` falls back). */
export function createRuntime(config: RuntimeConfig): ContainerRuntime {
  if (config.runtime === "kubernetes") {
    return new KubernetesRuntime({
      kubeconfig: config.kubeconfig,
      namespace: config.kubernetesNamespace,
      node: config.kubernetesNode,
    });
  }
  if (config.runtime === "local") return localRuntime(config);
  return new DockerRuntime(config.dockerHost);
}

/** Builds and pings the configured runtime; throws a UserError saying what to fix when none can run shards. */
export async function selectRuntime(config: RuntimeConfig): Promise<SelectedRuntime> {
  const runtime = createRuntime(config);
  if (config.runtime !== "auto") {
    const detail = await runtime.ping();
    return config.runtime === "local" ? { runtime, detail, warning: LOCAL_WARNING } : { runtime, detail };
  }
  let dockerError: Error;
  try {
    return { runtime, detail: await runtime.ping() };
  } catch (error) {
    dockerError = error as Error;
  }
  const local = localRuntime(config);
  let detail: string;
  try {
    detail = await local.ping();
  } catch (localError) {
    throw new UserError(
      `no container runtime: ${dockerError.message}; and ${(localError as Error).message}`,
      { cause: localError },
    );
  }
  return {
    runtime: local,
    detail,
    warning: `${dockerError.message}: ${LOCAL_WARNING}`,
  };
}
