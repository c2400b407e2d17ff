/** Picks the container runtime the configuration names (NEURAL_RUNTIME). */
import type { WorkerConfig } from "../config.js";
import { DockerRuntime } from "./docker.js";
import { KubernetesRuntime } from "./kubernetes.js";
import type { ContainerRuntime } from "./types.js";

export function createRuntime(
  config: Pick<
    WorkerConfig,
    "runtime" | "dockerHost" | "kubeconfig" | "kubernetesNamespace" | "kubernetesNode"
  >,
): ContainerRuntime {
  if (config.runtime === "kubernetes") {
    return new KubernetesRuntime({
      kubeconfig: config.kubeconfig,
      namespace: config.kubernetesNamespace,
      node: config.kubernetesNode,
    });
  }
  return new DockerRuntime(config.dockerHost);
}
