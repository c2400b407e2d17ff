import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type V1Pod, type V1PodStatus } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config.js";
import { UserError } from "../errors.js";
import { createRuntime } from "./index.js";
import {
  buildPod,
  CONTAINER_NAME,
  KubernetesRuntime,
  labelValue,
  POD_LABEL,
  podName,
  podOutcome,
  timestampKey,
} from "./kubernetes.js";
import type { RunRequest } from "./types.js";

// No cluster runs here: these tests answer the exact Kubernetes API paths the runtime uses (create, read, watch,
// follow the log of and delete a pod; list pods by label; /version) from a local HTTP server with realistic JSON, and
// assert on the requests it received. Nothing here ran against a real cluster.

const NS = "neural";
const mounts = {
  data: "/var/lib/nw/work/1/data",
  checkpoints: "/var/lib/nw/work/1/ckpt",
  output: "/var/lib/nw/work/1/out",
};
const limits = { memoryMiB: 512, cpus: 1.5, pids: 512, gpus: 0, timeoutSeconds: 600 };

interface Line {
  ts: string;
  text: string;
}
/** How the fake container behaves: what it prints, then how it ends. */
interface Script {
  lines: Line[];
  /** Container status once it ended; none: it runs until deleted. */
  end?: { exitCode: number; reason: string; podReason?: string; podMessage?: string };
  /** The first log follow breaks after this many lines while the container runs on. */
  breakAfter?: number;
  /** The container never starts: its waiting state. */
  stuck?: { reason: string; message: string };
}
interface FakePod {
  body: V1Pod;
  script: Script;
  state: "pending" | "running" | "terminated";
  follows: number;
  open: Set<ServerResponse>;
}
interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

const lines = (...texts: string[]): Line[] =>
  texts.map((text, i) => ({ ts: `2025-05-01T10:00:0${i}.${String(i + 1).padStart(9, "0")}Z`, text }));

class FakeApi {
  readonly pods = new Map<string, FakePod>();
  readonly received: Received[] = [];
  script: Script = { lines: [] };
  /** Namespaces the worker may not touch: 403. */
  forbidden = new Set<string>();
  /** Open watches: the pod each follows, and its response stream. */
  readonly watches = new Set<{ name: string | undefined; res: ServerResponse }>();
  server: Server;
  constructor() {
    this.server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => {
        raw += c.toString();
      });
      req.on("end", () => this.handle(req, res, raw));
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  requests(method: string, pathPart = ""): Received[] {
    return this.received.filter((r) => r.method === method && r.path.includes(pathPart));
  }

  private json(res: ServerResponse, code: number, body: unknown) {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string) {
    this.json(res, code, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      code,
    });
  }

  private podStatus(pod: FakePod): V1PodStatus {
    const { script } = pod;
    if (script.stuck) {
      return {
        phase: "Pending",
        containerStatuses: [
          {
            name: CONTAINER_NAME,
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { waiting: script.stuck },
          },
        ],
      };
    }
    if (pod.state === "pending") {
      return {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "True" }],
        containerStatuses: [
          {
            name: CONTAINER_NAME,
            image: "x",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ContainerCreating" } },
          },
        ],
      };
    }
    if (pod.state === "running" || !script.end) {
      return {
        phase: "Running",
        startTime: new Date("2025-05-01T10:00:00Z"),
        containerStatuses: [
          {
            name: CONTAINER_NAME,
            image: "x",
            imageID: "sha256:abc",
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date("2025-05-01T10:00:00Z") } },
          },
        ],
      };
    }
    const { end } = script;
    return {
      phase: end.exitCode === 0 ? "Succeeded" : "Failed",
      ...(end.podReason ? { reason: end.podReason, message: end.podMessage } : {}),
      startTime: new Date("2025-05-01T10:00:00Z"),
      containerStatuses: [
        {
          name: CONTAINER_NAME,
          image: "x",
          imageID: "sha256:abc",
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: end.exitCode,
              reason: end.reason,
              startedAt: new Date("2025-05-01T10:00:00Z"),
              finishedAt: new Date("2025-05-01T10:00:09Z"),
              containerID: "containerd://abc",
            },
          },
        },
      ],
    };
  }

  private render(pod: FakePod) {
    return { ...pod.body, status: this.podStatus(pod) };
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    this.received.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: raw ? JSON.parse(raw) : undefined,
    });
    if (url.pathname === "/version") {
      return this.json(res, 200, { major: "1", minor: "31", gitVersion: "v1.31.2", platform: "linux/amd64" });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(\/log)?$/.exec(url.pathname);
    if (!m) return this.status(res, 404, "NotFound", "the server could not find the requested resource");
    const [, ns, name, log] = m as unknown as [string, string, string | undefined, string | undefined];
    if (this.forbidden.has(ns)) {
      return this.status(
        res,
        403,
        "Forbidden",
        `pods is forbidden: User "system:serviceaccount:${ns}:worker" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
      );
    }
    if (!name && method === "POST") {
      const body = JSON.parse(raw) as V1Pod;
      const podName = body.metadata?.name as string;
      body.metadata = {
        ...body.metadata,
        uid: `uid-${podName}`,
        resourceVersion: "1",
        creationTimestamp: new Date(),
      };
      this.pods.set(podName, { body, script: this.script, state: "pending", follows: 0, open: new Set() });
      return this.json(res, 201, body);
    }
    if (!name && method === "GET" && url.searchParams.get("watch") === "true") {
      // a watch: one JSON event per line, kept open (the API server's format)
      const target = /^metadata\.name=(.+)$/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
      res.writeHead(200, { "content-type": "application/json" });
      const watch = { name: target, res };
      this.watches.add(watch);
      res.on("close", () => this.watches.delete(watch));
      const pod = target ? this.pods.get(target) : undefined;
      if (pod) res.write(`${JSON.stringify({ type: "ADDED", object: this.render(pod) })}\n`);
      return;
    }
    if (!name && method === "GET") {
      const selector = url.searchParams.get("labelSelector");
      const [key, value] = selector ? selector.split("=") : [];
      const items = [...this.pods.values()]
        .filter((p) => !key || p.body.metadata?.labels?.[key] === value)
        .map((p) => this.render(p));
      return this.json(res, 200, {
        kind: "PodList",
        apiVersion: "v1",
        metadata: { resourceVersion: "9" },
        items,
      });
    }
    const pod = name ? this.pods.get(name) : undefined;
    if (!pod) return this.status(res, 404, "NotFound", `pods "${name}" not found`);
    if (method === "DELETE") {
      this.pods.delete(name as string);
      this.notify(pod, "DELETED");
      for (const r of pod.open) r.end();
      return this.json(res, 200, this.render(pod));
    }
    if (method === "GET" && !log) return this.json(res, 200, this.render(pod));
    if (method === "GET" && log) return this.followLog(pod, url.searchParams, res);
    return this.status(res, 405, "MethodNotAllowed", "method not allowed");
  }

  /** Sends a watch event for `pod` to the watches following it. */
  notify(pod: FakePod, type: "MODIFIED" | "DELETED") {
    const name = pod.body.metadata?.name;
    for (const w of this.watches) {
      if (w.name === name) w.res.write(`${JSON.stringify({ type, object: this.render(pod) })}\n`);
    }
  }

  /** Ends every open watch, as an API server does after its watch timeout. */
  closeWatches() {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  private followLog(pod: FakePod, query: URLSearchParams, res: ServerResponse) {
    if (pod.script.stuck || pod.state === "pending") {
      if (!pod.script.stuck && pod.state === "pending") {
        pod.state = "running";
        this.notify(pod, "MODIFIED");
      }
      pod.state = "running";
      return this.status(
        res,
        400,
        "BadRequest",
        `container "${CONTAINER_NAME}" in pod "${pod.body.metadata?.name}" is waiting to start: ContainerCreating`,
      );
    }
    const since = query.get("sinceTime");
    const from = since
      ? pod.script.lines.filter((l) => timestampKey(l.ts) >= timestampKey(since))
      : pod.script.lines;
    const first = pod.follows++ === 0;
    res.writeHead(200, { "content-type": "text/plain" });
    const write = (l: Line) => res.write(`${l.ts} ${l.text}\n`);
    if (first && pod.script.breakAfter !== undefined) {
      from.slice(0, pod.script.breakAfter).forEach(write);
      return res.end(); // the follow broke; the container runs on
    }
    from.forEach(write);
    if (!pod.script.end) {
      pod.open.add(res); // runs until deleted
      return;
    }
    pod.state = "terminated";
    this.notify(pod, "MODIFIED");
    res.end();
  }
}

let api: FakeApi;
let server: string;
let dir: string;

function kubeConfig(url = server, namespace = NS): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "fake", server: url, skipTLSVerify: true }],
    users: [{ name: "nobody" }],
    contexts: [{ name: "fake", cluster: "fake", user: "nobody", namespace }],
    currentContext: "fake",
  });
  return kc;
}

function runtime(over: Partial<ConstructorParameters<typeof KubernetesRuntime>[0]> = {}) {
  return new KubernetesRuntime({ kubeConfig: kubeConfig(), pollMs: 5, ...over });
}

async function run(script: Script, over: Partial<RunRequest> = {}, rt = runtime()) {
  api.script = script;
  const got: Array<[string, string]> = [];
  const result = await rt.run({
    image: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    command: ["python3", "/app/train.py"],
    env: { NEURAL_SEED: "7" },
    mounts,
    limits,
    label: "7",
    onLine: (line, stream) => got.push([line, stream]),
    ...over,
  });
  return { ...result, lines: got.map(([l]) => l), streams: got.map(([, s]) => s) };
}

beforeAll(async () => {
  api = new FakeApi();
  server = await api.listen();
  dir = await mkdtemp(join(tmpdir(), "neural-k8s-test-"));
});

afterEach(() => {
  api.pods.clear();
  api.received.length = 0;
  api.forbidden.clear();
});

afterAll(async () => {
  api.server.closeAllConnections();
  await new Promise((r) => api.server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("kubernetes pod spec", () => {
  it("expresses the docker runtime's hardening, limits, labels and mounts", () => {
    const pod = buildPod({
      name: "neural-7-abcd",
      namespace: NS,
      request: { image: "sha256:ff", command: ["train"], env: { A: "1" }, mounts, limits, label: "7" },
    });
    const spec = pod.spec as NonNullable<V1Pod["spec"]>;
    const c = spec.containers[0] as NonNullable<(typeof spec.containers)[0]>;
    expect(pod.metadata?.labels?.[POD_LABEL]).toBe("7");
    expect(spec).toMatchObject({
      restartPolicy: "Never",
      activeDeadlineSeconds: 600,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        runAsGroup: 65534,
        seccompProfile: { type: "RuntimeDefault" },
      },
    });
    expect(spec.affinity).toBeUndefined();
    expect(c.args).toEqual(["train"]);
    expect(c.command).toBeUndefined();
    expect(c.env).toEqual([{ name: "A", value: "1" }]);
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.resources).toEqual({
      requests: { cpu: "1500m", memory: "512Mi" },
      limits: { cpu: "1500m", memory: "512Mi" },
    });
    expect(c.volumeMounts).toEqual([
      { name: "data", mountPath: "/data", readOnly: true },
      { name: "checkpoints", mountPath: "/checkpoints" },
      { name: "output", mountPath: "/output" },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    expect(spec.volumes).toEqual([
      { name: "data", hostPath: { path: mounts.data, type: "Directory" } },
      { name: "checkpoints", hostPath: { path: mounts.checkpoints, type: "Directory" } },
      { name: "output", hostPath: { path: mounts.output, type: "Directory" } },
      { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ]);
  });

  it("asks for GPUs, pins to a node, and keeps the image's command when none is given", () => {
    const pod = buildPod({
      name: "p",
      namespace: NS,
      node: "gpu-node-1",
      request: { image: "sha256:ff", command: [], env: {}, mounts, limits: { ...limits, gpus: 2 } },
    });
    const c = pod.spec?.containers[0];
    expect(c?.resources?.limits?.["nvidia.com/gpu"]).toBe("2");
    expect(c?.resources?.requests?.["nvidia.com/gpu"]).toBeUndefined();
    expect(c?.args).toBeUndefined();
    expect(pod.metadata?.labels?.[POD_LABEL]).toBe("run");
    expect(
      pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    ).toEqual([{ matchFields: [{ key: "metadata.name", operator: "In", values: ["gpu-node-1"] }] }]);
  });

  it("makes valid names, label values and sortable log timestamps", () => {
    expect(podName("7", "0a1b")).toBe("neural-7-0a1b");
    expect(podName("Verifier_X.", "00")).toBe("neural-verifier-x-00");
    expect(podName("", "00")).toBe("neural-run-00");
    expect(labelValue("node 7/a")).toBe("node-7-a");
    expect(labelValue("-x-")).toBe("x");
    expect(labelValue("a".repeat(80))).toHaveLength(63);
    expect(timestampKey("2025-05-01T10:00:00.1Z") > timestampKey("2025-05-01T10:00:00.09Z")).toBe(true);
    expect(timestampKey("2025-05-01T10:00:01Z") > timestampKey("2025-05-01T10:00:00.999999999Z")).toBe(true);
  });
});

describe("kubernetes pod status", () => {
  const terminated = (exitCode: number, reason: string, podReason?: string): V1Pod => ({
    spec: { containers: [{ name: CONTAINER_NAME, image: "sha256:ff" }] },
    status: {
      phase: "Failed",
      ...(podReason ? { reason: podReason } : {}),
      containerStatuses: [
        {
          name: CONTAINER_NAME,
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason } },
        },
      ],
    },
  });
  const waiting = (reason: string, message?: string): V1Pod => ({
    spec: { containers: [{ name: CONTAINER_NAME, image: "sha256:ff" }] },
    status: {
      phase: "Pending",
      containerStatuses: [
        {
          name: CONTAINER_NAME,
          image: "x",
          imageID: "",
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, ...(message ? { message } : {}) } },
        },
      ],
    },
  });

  it("maps exit codes, OOMKilled and DeadlineExceeded", () => {
    expect(podOutcome(terminated(0, "Completed"))).toEqual({
      state: "terminated",
      exitCode: 0,
      oomKilled: false,
      timedOut: false,
    });
    expect(podOutcome(terminated(2, "Error"))).toMatchObject({
      exitCode: 2,
      oomKilled: false,
      timedOut: false,
    });
    expect(podOutcome(terminated(137, "OOMKilled"))).toMatchObject({ exitCode: 137, oomKilled: true });
    // a child killed for memory can leave PID 1 exiting 0: the kubelet still says OOMKilled
    expect(podOutcome(terminated(0, "OOMKilled"))).toMatchObject({ exitCode: 0, oomKilled: true });
    expect(podOutcome(terminated(137, "Error", "DeadlineExceeded"))).toMatchObject({
      exitCode: 137,
      oomKilled: false,
      timedOut: true,
    });
    expect(podOutcome({ status: { phase: "Failed", reason: "DeadlineExceeded" } })).toMatchObject({
      state: "terminated",
      timedOut: true,
    });
  });

  it("tells pending from stuck: image and config errors, eviction", () => {
    expect(podOutcome(waiting("ContainerCreating"))).toEqual({
      state: "pending",
      detail: "ContainerCreating",
    });
    expect(
      podOutcome({
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/1 nodes: Insufficient nvidia.com/gpu",
            },
          ],
        },
      }),
    ).toEqual({ state: "pending", detail: "Unschedulable: 0/1 nodes: Insufficient nvidia.com/gpu" });
    const pull = podOutcome(waiting("ErrImageNeverPull", "image not present"));
    expect(pull).toEqual({
      state: "failed",
      detail: "ErrImageNeverPull for image sha256:ff: image not present",
    });
    expect(podOutcome({ status: { phase: "Failed", reason: "Evicted", message: "low on memory" } })).toEqual({
      state: "failed",
      detail: "pod Failed (Evicted): low on memory",
    });
  });
});

describe("kubernetes runtime against a local server answering the API paths it uses", () => {
  it("creates the hardened pod, streams its log line by line, returns exit 0 and deletes the pod", async () => {
    const r = await run({
      lines: lines("step 1", "step 2", '{"type":"progress"}'),
      end: { exitCode: 0, reason: "Completed" },
    });
    expect(r).toMatchObject({ exitCode: 0, oomKilled: false, timedOut: false, aborted: false });
    expect(r.lines).toEqual(["step 1", "step 2", '{"type":"progress"}']);
    expect(r.streams).toEqual(["stdout", "stdout", "stdout"]);
    expect(r.logs).toBe('step 1\nstep 2\n{"type":"progress"}\n');

    const [create] = api.requests("POST", `/api/v1/namespaces/${NS}/pods`);
    const body = create?.body as V1Pod;
    const name = body.metadata?.name as string;
    expect(name).toMatch(/^neural-7-[0-9a-f]{8}$/);
    expect(body.metadata?.labels?.[POD_LABEL]).toBe("7");
    expect(body.spec).toMatchObject({
      restartPolicy: "Never",
      activeDeadlineSeconds: 600,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534 },
    });
    const c = body.spec?.containers[0];
    expect(c).toMatchObject({
      name: CONTAINER_NAME,
      image: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      args: ["python3", "/app/train.py"],
      env: [{ name: "NEURAL_SEED", value: "7" }],
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      resources: { requests: { cpu: "1500m", memory: "512Mi" }, limits: { cpu: "1500m", memory: "512Mi" } },
    });
    expect(c?.volumeMounts?.find((v) => v.mountPath === "/data")?.readOnly).toBe(true);
    expect(body.spec?.volumes?.find((v) => v.name === "data")?.hostPath?.path).toBe(mounts.data);

    expect(api.requests("GET", `/api/v1/namespaces/${NS}/pods/${name}`).length).toBeGreaterThan(0);
    const follows = api.requests("GET", `/pods/${name}/log`);
    expect(follows[0]?.query.get("follow")).toBe("true");
    expect(follows[0]?.query.get("timestamps")).toBe("true");
    expect(follows[0]?.query.get("container")).toBe(CONTAINER_NAME);
    const deletes = api.requests("DELETE", `/api/v1/namespaces/${NS}/pods/${name}`);
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes[0]?.query.get("gracePeriodSeconds")).toBe("0");
    expect(api.pods.size).toBe(0);
  });

  it("asks for nvidia.com/gpu and pins the pod to its node", async () => {
    const r = await run(
      { lines: [], end: { exitCode: 0, reason: "Completed" } },
      { limits: { ...limits, gpus: 1 } },
      runtime({ node: "node-a" }),
    );
    expect(r.exitCode).toBe(0);
    const body = api.requests("POST", "/pods")[0]?.body as V1Pod;
    expect(body.spec?.containers[0]?.resources?.limits).toEqual({
      cpu: "1500m",
      memory: "512Mi",
      "nvidia.com/gpu": "1",
    });
    expect(JSON.stringify(body.spec?.affinity)).toContain('"values":["node-a"]');
  });

  it("watches its pod (fieldSelector on its name): a change is read at once, with no polling", async () => {
    // the periodic re-read is pushed out of reach: only watch events can move the run along
    const rt = runtime({ resyncMs: 3_600_000 });
    const r = await run({ lines: lines("a", "b"), end: { exitCode: 0, reason: "Completed" } }, {}, rt);
    expect(r).toMatchObject({ exitCode: 0, timedOut: false });
    const name = (api.requests("POST", "/pods")[0]?.body as V1Pod | undefined)?.metadata?.name as string;
    const watches = api.requests("GET", `/api/v1/namespaces/${NS}/pods`).filter((q) => q.query.get("watch"));
    expect(watches.length).toBeGreaterThanOrEqual(1);
    expect(watches[0]?.query.get("fieldSelector")).toBe(`metadata.name=${name}`);
    // one read at the start, then one per event (added, running, terminated) at most
    expect(
      api.requests("GET", `/api/v1/namespaces/${NS}/pods/${name}`).filter((q) => !q.path.endsWith("/log"))
        .length,
    ).toBeLessThanOrEqual(4);
    expect(api.watches.size).toBe(0); // closed when the run ended
  });

  it("opens the watch again when the API server ends it", async () => {
    const controller = new AbortController();
    const rt = runtime({ resyncMs: 3_600_000 });
    const pending = run({ lines: lines("training") }, { signal: controller.signal }, rt);
    const watchCount = () =>
      api.requests("GET", `/api/v1/namespaces/${NS}/pods`).filter((q) => q.query.get("watch")).length;
    while (api.watches.size === 0) await new Promise((r) => setTimeout(r, 5));
    api.closeWatches(); // as a server does at its watch timeout
    while (watchCount() < 2 || api.watches.size === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const r = await pending;
    expect(r.aborted).toBe(true);
    expect(watchCount()).toBeGreaterThanOrEqual(2);
  });

  it("resumes a broken log follow from the last timestamp without repeating lines", async () => {
    const script: Script = {
      lines: lines("a", "b", "c", "d"),
      breakAfter: 2,
      end: { exitCode: 0, reason: "Completed" },
    };
    // b and c share a timestamp: the resumed follow repeats b, which must be skipped, and c, which must not
    (script.lines[2] as Line).ts = (script.lines[1] as Line).ts;
    const r = await run(script);
    expect(r.lines).toEqual(["a", "b", "c", "d"]);
    const resumed = api.requests("GET", "/log").filter((f) => f.query.has("sinceTime"));
    expect(resumed[0]?.query.get("sinceTime")).toBe(script.lines[1]?.ts);
  });

  it("reports a non-zero exit with its logs", async () => {
    const r = await run({
      lines: lines("Traceback", "ValueError: bad"),
      end: { exitCode: 3, reason: "Error" },
    });
    expect(r).toMatchObject({ exitCode: 3, oomKilled: false, timedOut: false, aborted: false });
    expect(r.logs).toBe("Traceback\nValueError: bad\n");
  });

  it("reports OOMKilled", async () => {
    const r = await run({ lines: lines("allocating"), end: { exitCode: 137, reason: "OOMKilled" } });
    expect(r).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false, aborted: false });
  });

  it("reports the pod's DeadlineExceeded as a timeout", async () => {
    const r = await run({
      lines: lines("slow"),
      end: {
        exitCode: 137,
        reason: "Error",
        podReason: "DeadlineExceeded",
        podMessage: "Pod was active on the node longer than the specified deadline",
      },
    });
    expect(r).toMatchObject({ exitCode: 137, oomKilled: false, timedOut: true, aborted: false });
  });

  it("deletes the pod at once when aborted and reports aborted", async () => {
    const controller = new AbortController();
    const r = await run(
      { lines: lines("one", "two") },
      {
        signal: controller.signal,
        onLine: (line) => {
          if (line === "two") controller.abort();
        },
      },
    );
    expect(r).toMatchObject({ exitCode: 137, timedOut: false, aborted: true });
    expect(r.logs).toBe("one\ntwo\n");
    const deletes = api.requests("DELETE", "/pods/neural-7-");
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.every((d) => d.query.get("gracePeriodSeconds") === "0")).toBe(true);
    expect(api.pods.size).toBe(0);
  });

  it("creates nothing when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await run({ lines: [] }, { signal: controller.signal });
    expect(r.aborted).toBe(true);
    expect(api.requests("POST").length).toBe(0);
  });

  it("fails as the node's fault, naming the image, when the kubelet cannot get it", async () => {
    const error = await run({
      lines: [],
      stuck: {
        reason: "ErrImageNeverPull",
        message: 'Container image "sha256:11" is not present with pull policy of Never',
      },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/cannot run: ErrImageNeverPull for image sha256:1111/);
    expect(api.requests("DELETE").length).toBeGreaterThan(0);
  });

  it("pings: version and namespace; a forbidden namespace names the RBAC and setting to fix", async () => {
    expect(await runtime().ping()).toBe(`Kubernetes v1.31.2 at ${server}, namespace ${NS}`);
    expect(api.requests("GET", `/api/v1/namespaces/${NS}/pods`)[0]?.query.get("limit")).toBe("1");
    api.forbidden.add("locked");
    const error = await runtime({ namespace: "locked" })
      .ping()
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain(
      `the Kubernetes API at ${server} forbids the worker to list pods in namespace locked (403`,
    );
    expect(message).toContain("get, list, watch, create and delete on pods and get on pods/log");
    expect(message).toContain("NEURAL_KUBERNETES_NAMESPACE (--kubernetes-namespace)");
    expect(message).not.toContain("\n");
  });

  it("pings an unreachable API with the setting to fix", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const error = await new KubernetesRuntime({ kubeConfig: kubeConfig(url) }).ping().catch((e: Error) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot reach the Kubernetes API at ${url} to list pods \\(.*\\): .*NEURAL_KUBECONFIG \\(--kubeconfig\\)`,
      ),
    );
  });

  it("cleans up the pods labelled with its owner only", async () => {
    const rt = runtime();
    const seed = (name: string, owner: string) =>
      fetch(`${server}/api/v1/namespaces/${NS}/pods`, {
        method: "POST",
        body: JSON.stringify({
          metadata: { name, labels: { [POD_LABEL]: owner } },
          spec: { containers: [] },
        }),
      });
    await seed("neural-7-aa", "7");
    await seed("neural-7-bb", "7");
    await seed("neural-8-cc", "8");
    expect(await rt.cleanup("7")).toBe(2);
    expect(api.requests("GET", `/api/v1/namespaces/${NS}/pods`).at(-1)?.query.get("labelSelector")).toBe(
      `${POD_LABEL}=7`,
    );
    expect(api.requests("DELETE").map((d) => d.path)).toEqual([
      `/api/v1/namespaces/${NS}/pods/neural-7-aa`,
      `/api/v1/namespaces/${NS}/pods/neural-7-bb`,
    ]);
    expect([...api.pods.keys()]).toEqual(["neural-8-cc"]);
    expect(await rt.cleanup("7")).toBe(0);
  });
});

describe("kubernetes runtime settings", () => {
  it("is picked by NEURAL_RUNTIME with a kubeconfig and namespace", async () => {
    const file = join(dir, "kubeconfig.yaml");
    await writeFile(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: fake",
        `  cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
        "users:",
        "- name: nobody",
        "  user: {}",
        "contexts:",
        "- name: fake",
        "  context: { cluster: fake, user: nobody, namespace: from-file }",
        "current-context: fake",
        "",
      ].join("\n"),
    );
    const config = parseConfig({}, { NEURAL_RUNTIME: "kubernetes", NEURAL_KUBECONFIG: file });
    const fromFile = createRuntime(config) as KubernetesRuntime;
    expect(fromFile.name).toBe("kubernetes");
    expect(fromFile.namespace).toBe("from-file");
    expect(fromFile.server).toBe(server);
    const named = createRuntime(
      parseConfig(
        { kubernetesNamespace: "neural" },
        { NEURAL_RUNTIME: "kubernetes", NEURAL_KUBECONFIG: file },
      ),
    ) as KubernetesRuntime;
    expect(named.namespace).toBe("neural");
    expect(await named.ping()).toContain("namespace neural");
    expect(createRuntime(parseConfig({}, {})).name).toBe("docker");
  });

  it("names the setting to fix for a bad runtime, namespace or kubeconfig", () => {
    expect(() =>
      parseConfig({}, { NEURAL_RUNTIME: "podman", NEURAL_KUBERNETES_NAMESPACE: "Bad_NS" }),
    ).toThrow(
      /NEURAL_RUNTIME \(--runtime\).*use auto, docker, kubernetes or local[\s\S]*NEURAL_KUBERNETES_NAMESPACE \(--kubernetes-namespace\): expected a namespace name/,
    );
    const missing = join(dir, "nope.yaml");
    let error: unknown;
    try {
      createRuntime(parseConfig({}, { NEURAL_RUNTIME: "kubernetes", NEURAL_KUBECONFIG: missing }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot load the kubeconfig ${missing}: .*; point NEURAL_KUBECONFIG \\(--kubeconfig\\) at a valid kubeconfig$`,
      ),
    );
  });
});
