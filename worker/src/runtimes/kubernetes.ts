/**
 * The kubernetes runtime (@kubernetes/client-node). A shard runs as one bare Pod with `restartPolicy: Never` in the
 * configured namespace.
 *
 * Pod, not Job: a Job (even with backoffLimit 0) adds a controller whose only job is retrying and rescheduling, which
 * the worker must not delegate — a retried shard would train twice behind the worker's back, and the pod the worker
 * reads exit code, OOM and logs from would get a generated name found again only by label. A bare Pod gives exactly
 * one attempt, `activeDeadlineSeconds` enforces the timeout on the Pod itself, and RBAC stays on `pods` and
 * `pods/log` only (get, list, watch, create, delete).
 *
 * The hardening of the docker runtime, as a pod spec: runAsNonRoot as 65534:65534, allowPrivilegeEscalation false,
 * capabilities drop ALL, read-only root filesystem with a 64 MiB memory emptyDir on /tmp, seccomp RuntimeDefault,
 * no service-account token, no service links, no host network/PID/IPC, requests = limits for CPU and memory
 * (Guaranteed QoS), `nvidia.com/gpu` limits for GPUs, `activeDeadlineSeconds` = the timeout, a grace period of 0.
 * Not expressible in a pod spec: a per-pod pids limit (set the kubelet's `podPidsLimit`), a `noexec` /tmp, and
 * "no network" — pods get a network; isolate them with a deny-all NetworkPolicy selecting the label
 * `io.neural.worker` (the README gives one). The runtime does not create the policy: doing so needs RBAC on
 * networkpolicies the worker otherwise does not need, and a policy only works where the CNI enforces it, which only
 * the cluster's operator can know.
 *
 * Data: the pod cannot see the worker's folders, so the runtime mounts the request's host paths as `hostPath`
 * volumes (type Directory: a path missing on the pod's node keeps the pod from starting instead of training on an
 * empty folder), /data read-only. That is honest only when the pod runs on the node whose filesystem holds those
 * paths: the worker runs on the node itself (a DaemonSet with its home as a hostPath at the same path, and
 * `NEURAL_KUBERNETES_NODE` from the downward API's spec.nodeName, which pins shard pods to that node), or a
 * single-node cluster.
 *
 * Images: the API cannot tell which images a node's container runtime holds, so `hasImage` answers true and the
 * kubelet resolves the image (`imagePullPolicy: IfNotPresent`); the spec's pinned image ID must already be on the
 * node (imported into its containerd, e.g. `ctr -n k8s.io images import`). An image the kubelet cannot get fails the
 * run as this node's fault (never the task's), naming the image.
 *
 * Status: the pod is watched (fieldSelector on its name) and read again on every event; the watch is reopened when
 * the server ends it, and a periodic read (`resyncMs`) covers a watch that stalls silently.
 *
 * Logs: the pod's log is followed (`follow`, `timestamps`) line by line; a follow that ends while the container runs
 * is resumed from the last timestamp seen, skipping what was already delivered. Kubernetes merges stdout and
 * stderr: every line is reported as stdout. Exit: the container's terminated state gives the exit code and
 * `OOMKilled`; the pod's reason `DeadlineExceeded` gives timedOut. Aborting deletes the pod at once (grace 0).
 */

import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  Log,
  type V1Pod,
  type V1Volume,
  type V1VolumeMount,
  VersionApi,
  Watch,
} from "@kubernetes/client-node";
import { UserError } from "../errors.js";
import { type ContainerRuntime, lineSplitter, type RunRequest, type RunResult, TailBuffer } from "./types.js";

/** Label carrying the owner (the docker runtime's label key): `cleanup(owner)` deletes pods by it. */
export const POD_LABEL = "io.neural.worker";
export const CONTAINER_NAME = "shard";
/** uid and gid of `nobody`: images must run as it. */
export const POD_USER = 65534;
/** Waiting reasons after which the pod never starts by itself. */
const STUCK_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

export interface KubernetesOptions {
  /** A loaded KubeConfig (tests), or `kubeconfig` to load. */
  kubeConfig?: KubeConfig;
  /** kubeconfig file; default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** Namespace of the shard pods; default: the kubeconfig context's, else "default". */
  namespace?: string | undefined;
  /** Node to pin shard pods to (the worker's own node); none on a single-node cluster. */
  node?: string | undefined;
  /** Milliseconds between retries of a broken log follow (default 1000). */
  pollMs?: number;
  /**
   * Milliseconds between pod status reads when the watch says nothing (default 10000): the pod is watched, and
   * each watch event wakes a read at once; this periodic read only covers a watch that silently stalls.
   */
  resyncMs?: number;
  /** Seconds past the timeout after which the worker gives up on the kubelet enforcing it (default 60). */
  overdueSeconds?: number;
  /** Milliseconds to wait for the log stream to end once the container terminated (default 10000). */
  logGraceMs?: number;
}

/** A label value (≤ 63 characters of [A-Za-z0-9._-], alphanumeric at both ends). */
export function labelValue(text: string): string {
  const v = text
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return v === "" ? "run" : v;
}

/** A fresh pod name (a DNS-1123 label): neural-<label>-<random>. */
export function podName(label: string | undefined, random = randomBytes(4).toString("hex")): string {
  const base = (label ?? "run")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40)
    .replace(/^-+|-+$/g, "");
  return `neural-${base === "" ? "run" : base}-${random}`;
}

/** The hardened pod spec of one run. */
export function buildPod(input: {
  name: string;
  namespace: string;
  request: Pick<RunRequest, "image" | "command" | "env" | "mounts" | "limits" | "label">;
  node?: string | undefined;
}): V1Pod {
  const { request } = input;
  const { limits } = request;
  const cpu = `${Math.max(1, Math.round(limits.cpus * 1000))}m`;
  const memory = `${limits.memoryMiB}Mi`;
  const host = (name: string, path: string): V1Volume => ({ name, hostPath: { path, type: "Directory" } });
  const volumes: V1Volume[] = [
    host("data", request.mounts.data),
    host("checkpoints", request.mounts.checkpoints),
    host("output", request.mounts.output),
    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
  ];
  const volumeMounts: V1VolumeMount[] = [
    { name: "data", mountPath: "/data", readOnly: true },
    { name: "checkpoints", mountPath: "/checkpoints" },
    { name: "output", mountPath: "/output" },
    { name: "tmp", mountPath: "/tmp" },
  ];
  const seccompProfile = { type: "RuntimeDefault" };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: {
        [POD_LABEL]: labelValue(request.label ?? "run"),
        "app.kubernetes.io/managed-by": "neural-worker",
      },
    },
    spec: {
      restartPolicy: "Never",
      activeDeadlineSeconds: limits.timeoutSeconds,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: POD_USER,
        runAsGroup: POD_USER,
        seccompProfile,
      },
      ...(input.node
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchFields: [{ key: "metadata.name", operator: "In", values: [input.node] }] },
                  ],
                },
              },
            },
          }
        : {}),
      containers: [
        {
          name: CONTAINER_NAME,
          image: request.image,
          imagePullPolicy: "IfNotPresent",
          // docker's Cmd: replaces the image's CMD and keeps its ENTRYPOINT, which is `args` here.
          ...(request.command.length > 0 ? { args: request.command } : {}),
          env: Object.entries(request.env).map(([name, value]) => ({ name, value })),
          workingDir: "/tmp",
          securityContext: {
            runAsNonRoot: true,
            runAsUser: POD_USER,
            runAsGroup: POD_USER,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile,
          },
          resources: {
            requests: { cpu, memory },
            limits: { cpu, memory, ...(limits.gpus > 0 ? { "nvidia.com/gpu": String(limits.gpus) } : {}) },
          },
          volumeMounts,
        },
      ],
      volumes,
    },
  };
}

export type PodOutcome =
  | { state: "pending"; detail: string }
  | { state: "running" }
  | { state: "terminated"; exitCode: number; oomKilled: boolean; timedOut: boolean }
  /** The pod will not run (image, config, eviction): this node's fault. */
  | { state: "failed"; detail: string };

/** Where a pod stands, from its status (pure). */
export function podOutcome(pod: V1Pod): PodOutcome {
  const status = pod.status ?? {};
  const container = status.containerStatuses?.find((c) => c.name === CONTAINER_NAME);
  const deadline = status.reason === "DeadlineExceeded";
  const terminated = container?.state?.terminated;
  if (terminated) {
    const exitCode = terminated.exitCode;
    return {
      state: "terminated",
      exitCode,
      timedOut: deadline,
      oomKilled: terminated.reason === "OOMKilled" || (exitCode === 137 && !deadline),
    };
  }
  if (deadline) return { state: "terminated", exitCode: 137, oomKilled: false, timedOut: true };
  if (status.phase === "Failed" || status.phase === "Succeeded") {
    return {
      state: "failed",
      detail: `pod ${status.phase}${status.reason ? ` (${status.reason})` : ""}${status.message ? `: ${status.message}` : ""}`,
    };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
    const image = waiting.reason.includes("Image") ? ` for image ${pod.spec?.containers[0]?.image}` : "";
    return { state: "failed", detail: `${waiting.reason}${image}: ${waiting.message ?? "no message"}` };
  }
  if (container?.state?.running) return { state: "running" };
  const unscheduled = status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  const why = waiting?.reason
    ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`
    : unscheduled
      ? `${unscheduled.reason ?? "unscheduled"}: ${unscheduled.message ?? ""}`
      : (status.phase ?? "Pending");
  return { state: "pending", detail: why };
}

/** Status code and message of a client-node error (ApiException's body is the API's Status object). */
export function describeApiError(error: unknown): { code?: number; message: string } {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // a plain-text body
      }
    }
    const message =
      (body as { message?: string } | undefined)?.message ??
      (typeof body === "string" && body !== "" ? body : `HTTP ${error.code}`);
    return { code: error.code, message };
  }
  const message = (error as Error)?.message ?? String(error);
  return { message: message.split("\n")[0] ?? message };
}

const RESULT_ABORTED = { exitCode: 137, oomKilled: false, timedOut: false, aborted: true };

export class KubernetesRuntime implements ContainerRuntime {
  readonly name = "kubernetes";
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly server: string;
  private readonly core: CoreV1Api;
  private readonly logs: Log;
  private readonly node: string | undefined;
  private readonly pollMs: number;
  private readonly resyncMs: number;
  private readonly watcher: Watch;
  private readonly overdueSeconds: number;
  private readonly logGraceMs: number;

  constructor(options: KubernetesOptions = {}) {
    this.kubeConfig = options.kubeConfig ?? loadKubeConfig(options.kubeconfig);
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new UserError(
        `the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ""} has no current cluster: ` +
          "set its current-context, or point NEURAL_KUBECONFIG (--kubeconfig) at another file",
      );
    }
    this.server = cluster.server;
    const context = this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext());
    this.namespace = options.namespace ?? context?.namespace ?? "default";
    this.node = options.node;
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.logs = new Log(this.kubeConfig);
    this.pollMs = options.pollMs ?? 1000;
    this.resyncMs = options.resyncMs ?? 10_000;
    this.watcher = new Watch(this.kubeConfig);
    this.overdueSeconds = options.overdueSeconds ?? 60;
    this.logGraceMs = options.logGraceMs ?? 10_000;
  }

  /** A UserError for a refused or unreachable API, naming the settings and the RBAC to fix. */
  private accessError(error: unknown, what: string): Error {
    const { code, message } = describeApiError(error);
    const where = `the Kubernetes API at ${this.server}`;
    if (code === 401) {
      return new UserError(
        `${where} refused the credentials while trying to ${what} (401: ${message}): ` +
          "fix the user of NEURAL_KUBECONFIG (--kubeconfig) or the in-cluster service account",
        { cause: error },
      );
    }
    if (code === 403) {
      return new UserError(
        `${where} forbids the worker to ${what} in namespace ${this.namespace} (403: ${message}): ` +
          `grant it get, list, watch, create and delete on pods and get on pods/log in ${this.namespace} ` +
          "(a Role and RoleBinding, see the worker README), or set NEURAL_KUBERNETES_NAMESPACE (--kubernetes-namespace)",
        { cause: error },
      );
    }
    if (code === 404) {
      return new UserError(
        `${where}: cannot ${what}: namespace ${this.namespace} not found (${message}): create it, or set ` +
          "NEURAL_KUBERNETES_NAMESPACE (--kubernetes-namespace)",
        { cause: error },
      );
    }
    if (code === undefined) {
      return new UserError(
        `cannot reach ${where} to ${what} (${message}): start the cluster, or point NEURAL_KUBECONFIG ` +
          "(--kubeconfig) at the right kubeconfig",
        { cause: error },
      );
    }
    return new Error(`${where}: cannot ${what} (${code}: ${message})`, { cause: error });
  }

  async ping(): Promise<string> {
    try {
      await this.core.listNamespacedPod({ namespace: this.namespace, limit: 1 });
    } catch (error) {
      throw this.accessError(error, "list pods");
    }
    let version = "";
    try {
      version = ` ${(await this.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion}`;
    } catch {
      // /version may be closed to the worker; pods are what it needs
    }
    return `Kubernetes${version} at ${this.server}, namespace ${this.namespace}`;
  }

  /** The API cannot list a node's images: the kubelet resolves the image when the pod starts (see the module doc). */
  async hasImage(_imageId: string): Promise<boolean> {
    return true;
  }

  async loadImage(_archiveFile: string): Promise<void> {
    throw new UserError(
      "the kubernetes runtime cannot load image archives: import the image into the node's container runtime " +
        "(e.g. `ctr -n k8s.io images import <archive>`)",
    );
  }

  async run(request: RunRequest): Promise<RunResult> {
    const logs = new TailBuffer();
    if (request.signal?.aborted) return { ...RESULT_ABORTED, logs: "" };
    const name = podName(request.label);
    const body = buildPod({ name, namespace: this.namespace, request, node: this.node });
    try {
      await this.core.createNamespacedPod({ namespace: this.namespace, body });
    } catch (error) {
      throw this.accessError(error, `create pod ${name}`);
    }
    const stop = new AbortController();
    let aborted = false;
    let overdue = false;
    const onAbort = () => {
      aborted = true;
      stop.abort();
      void this.deletePod(name);
    };
    const timer = setTimeout(
      () => {
        overdue = true;
        stop.abort();
      },
      (request.limits.timeoutSeconds + this.overdueSeconds) * 1000,
    );
    request.signal?.addEventListener("abort", onAbort, { once: true });
    if (request.signal?.aborted) onAbort(); // aborted while the pod was being created
    const follower = new LogFollower(this.logs, this.namespace, name, this.pollMs, (line) => {
      logs.push(`${line}\n`);
      request.onLine?.(line, "stdout");
    });
    const following = follower.run();
    const changes = new PodChanges(this.watcher, this.namespace, name, this.pollMs);
    changes.start();
    try {
      let outcome: PodOutcome = { state: "pending", detail: "Pending" };
      let started = false;
      let failures = 0;
      while (!aborted && !overdue) {
        try {
          const pod = await this.core.readNamespacedPod({ name, namespace: this.namespace });
          failures = 0;
          outcome = podOutcome(pod);
        } catch (error) {
          if (aborted) break;
          if (describeApiError(error).code === 404) {
            throw new Error(`pod ${this.namespace}/${name} was deleted by someone else`);
          }
          // a passing API hiccup must not end a long training
          if (++failures >= 5) throw this.accessError(error, `read pod ${name}`);
        }
        if (outcome.state === "terminated" || outcome.state === "failed") break;
        if (outcome.state === "running") started = true;
        await changes.next(this.resyncMs, stop.signal);
      }
      if (aborted) return { ...RESULT_ABORTED, logs: logs.toString() };
      if (overdue) {
        if (!started) {
          throw new Error(
            `pod ${this.namespace}/${name} did not start within ${request.limits.timeoutSeconds + this.overdueSeconds} s ` +
              `(${outcome.state === "pending" ? outcome.detail : outcome.state}): check the node's resources and image`,
          );
        }
        return { exitCode: 137, oomKilled: false, timedOut: true, aborted: false, logs: logs.toString() };
      }
      if (outcome.state === "failed") {
        throw new Error(`pod ${this.namespace}/${name} cannot run: ${outcome.detail}`);
      }
      if (outcome.state !== "terminated") throw new Error("unreachable");
      follower.finish();
      const grace = new AbortController();
      await Promise.race([following, sleep(this.logGraceMs, grace.signal)]);
      grace.abort();
      return {
        exitCode: outcome.exitCode,
        oomKilled: outcome.oomKilled,
        timedOut: outcome.timedOut,
        aborted: false,
        logs: logs.toString(),
      };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      follower.stop();
      changes.stop();
      // a log request the API never answered cannot be aborted: do not wait on it forever
      const grace = new AbortController();
      await Promise.race([following, sleep(this.logGraceMs, grace.signal)]);
      grace.abort();
      await this.deletePod(name);
    }
  }

  private async deletePod(name: string): Promise<boolean> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace: this.namespace, gracePeriodSeconds: 0 });
      return true;
    } catch {
      return false; // gone already, or the API is away: `cleanup` removes it on the next start
    }
  }

  async cleanup(owner: string): Promise<number> {
    let names: string[];
    try {
      const list = await this.core.listNamespacedPod({
        namespace: this.namespace,
        labelSelector: `${POD_LABEL}=${labelValue(owner)}`,
      });
      names = list.items.map((p) => p.metadata?.name).filter((n): n is string => n !== undefined);
    } catch (error) {
      throw this.accessError(error, "list pods");
    }
    let removed = 0;
    for (const name of names) if (await this.deletePod(name)) removed++;
    return removed;
  }
}

/** Loads a kubeconfig file, or the default one; a bad file is a UserError naming the setting. */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new UserError(
      `cannot load the kubeconfig ${file ?? "(default: $KUBECONFIG, ~/.kube/config or in-cluster)"}: ` +
        `${describeApiError(cause).message}; point NEURAL_KUBECONFIG (--kubeconfig) at a valid kubeconfig`,
      { cause },
    );
  }
  return kc;
}

/**
 * Watches one pod (`fieldSelector=metadata.name=<name>`) and wakes `next()` on every event. The API server ends
 * watches after a while, and a broken connection ends one too: it is opened again after `retryMs`. Events carry
 * the pod, but the runtime reads it anew on each wake, so a missed or reordered event costs nothing.
 */
class PodChanges {
  private controller: AbortController | undefined;
  private stopped = false;
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly watcher: Watch,
    private readonly namespace: string,
    private readonly name: string,
    private readonly retryMs: number,
  ) {}

  start(): void {
    if (this.stopped) return;
    void this.watcher
      .watch(
        `/api/v1/namespaces/${this.namespace}/pods`,
        { fieldSelector: `metadata.name=${this.name}` },
        () => this.changed(),
        () => {
          if (!this.stopped) setTimeout(() => this.start(), this.retryMs);
        },
      )
      .then((controller) => {
        if (this.stopped) controller.abort();
        else this.controller = controller;
      })
      .catch(() => {
        if (!this.stopped) setTimeout(() => this.start(), this.retryMs);
      });
  }

  private changed(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves at the next event (or one that came since the last call), after `resyncMs`, or on `signal`. */
  async next(resyncMs: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.wake = onAbort;
    await sleep(resyncMs, timer.signal);
    signal.removeEventListener("abort", onAbort);
    this.wake = undefined;
    this.pending = false;
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Sortable key of an RFC 3339 timestamp with up to nanoseconds (the kubelet's log timestamps, UTC). */
export function timestampKey(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}` : ts;
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) ?(.*)$/s;

/**
 * Follows a pod's log (timestamps on) until stopped; resumes a follow that ended early from the last timestamp,
 * skipping the lines already delivered (those before it, and as many at it as were seen). Retries while the
 * container has not started (the API answers 400).
 */
class LogFollower {
  private since: string | undefined;
  private lastKey = "";
  private seenAtLast = 0;
  private finishing = false;
  private stopped = false;
  private readonly wake = new AbortController();
  private current: AbortController | undefined;
  private endAttempt: (() => void) | undefined;

  constructor(
    private readonly log: Log,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly pollMs: number,
    private readonly onLine: (line: string) => void,
  ) {}

  /** The container terminated: read what is left once more, then end. */
  finish(): void {
    this.finishing = true;
    this.wake.abort();
  }

  stop(): void {
    this.stopped = true;
    this.wake.abort();
    this.current?.abort();
    this.endAttempt?.();
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const final = this.finishing;
      try {
        await this.attempt(final);
      } catch {
        // not started yet (400), or the stream broke: try again
      }
      if (final || this.stopped) return;
      if (!this.finishing) await sleep(this.pollMs, this.wake.signal);
    }
  }

  private async attempt(final: boolean): Promise<void> {
    let skip = this.seenAtLast;
    const splitter = lineSplitter((raw) => {
      const m = TIMESTAMPED.exec(raw);
      if (!m) return this.onLine(raw);
      const key = timestampKey(m[1] as string);
      if (key < this.lastKey) return;
      if (key === this.lastKey) {
        if (skip > 0) {
          skip--;
          return;
        }
        this.seenAtLast++;
      } else {
        this.lastKey = key;
        this.seenAtLast = 1;
        skip = 0;
      }
      this.since = m[1];
      this.onLine(m[2] as string);
    });
    const ended = new Promise<void>((resolve) => {
      this.endAttempt = resolve;
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        splitter.write(chunk);
        callback();
      },
    });
    sink.on("finish", () => this.endAttempt?.());
    sink.on("error", () => this.endAttempt?.());
    this.current = await this.log.log(this.namespace, this.pod, CONTAINER_NAME, sink, {
      follow: true,
      timestamps: true,
      ...(this.since ? { sinceTime: this.since } : {}),
    });
    if (this.stopped) this.current.abort();
    else await ended;
    // a line cut by a broken stream comes again whole on the next attempt
    if (final || this.stopped) splitter.end();
  }
}
