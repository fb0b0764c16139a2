// The Kubernetes manifests in deploy/kubernetes, read as a cluster would:
// probes, security, shutdown timing, the active-mode port range, the FTP
// session budget, and — by resolving the env (downward API, Secret, $(VAR)
// expansion) and the ConfigMap's file exactly as the pod would see them —
// that the gateway's own loadConfig() accepts the result.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { configFileSchema, loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(root, 'deploy/kubernetes');
const POD_IP = '10.244.3.17';

// ---------------------------------------------------------------- minimal manifest shapes

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: unknown[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string }; emptyDir?: object; secret?: unknown }>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
}

function loadManifests(): Map<string, Manifest> {
  const byKind = new Map<string, Manifest>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], file);
      const m = doc.toJS() as Manifest | null;
      if (m === null) continue;
      assert.ok(!byKind.has(m.kind), `one ${m.kind} only`);
      byKind.set(m.kind, m);
    }
  }
  return byKind;
}

const manifests = loadManifests();
function get(kind: string): Manifest {
  const m = manifests.get(kind);
  assert.ok(m, `deploy/kubernetes has a ${kind}`);
  return m;
}

const deployment = get('Deployment');
const podTemplate = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }).template;
const pod = podTemplate.spec;
const container = pod.containers[0]!;
const configMap = get('ConfigMap');
const secret = get('Secret');

/** The environment variables the gateway reads, taken from the config loader itself. */
function configEnvNames(): Set<string> {
  const source = readFileSync(join(root, 'src/config/loadConfig.ts'), 'utf8');
  const names = new Set([...source.matchAll(/envValue\(env, '([A-Z_]+)'\)/g)].map((m) => m[1]!));
  assert.ok(names.has('FTP_URL') && names.has('CONFIG_FILE') && names.has('API_KEYS'), 'found the loader’s env reads');
  return names;
}

const REF = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

/** The env as the kubelet builds it: downward API, Secret keys, then $(NAME) expansion from earlier entries. */
function resolveEnv(env: EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  const secretData = { ...secret.data, ...secret.stringData };
  for (const v of env) {
    if (v.value !== undefined) {
      out[v.name] = v.value.replace(REF, (_whole, name: string) => {
        assert.ok(name in out, `$(${name}) in ${v.name} refers to a variable defined earlier`);
        return out[name]!;
      });
    } else if (v.valueFrom?.fieldRef) {
      assert.equal(v.valueFrom.fieldRef.fieldPath, 'status.podIP', `${v.name}: the only downward-API field used`);
      out[v.name] = POD_IP;
    } else if (v.valueFrom?.secretKeyRef) {
      assert.equal(v.valueFrom.secretKeyRef.name, secret.metadata.name, `${v.name} comes from the Secret in this folder`);
      const value = secretData[v.valueFrom.secretKeyRef.key];
      assert.equal(typeof value, 'string', `the Secret has ${v.valueFrom.secretKeyRef.key}`);
      out[v.name] = value!;
    } else {
      assert.fail(`${v.name}: unsupported env source`);
    }
  }
  return out;
}

const env = container.env ?? [];
const resolved = resolveEnv(env);

/** Files the pod sees from ConfigMap volumes, by absolute path. */
function mountedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    assert.ok(volume, `volume ${mount.name} exists`);
    if (volume.configMap) {
      assert.equal(volume.configMap.name, configMap.metadata.name);
      for (const [key, text] of Object.entries(configMap.data ?? {})) files.set(posix.join(mount.mountPath, key), text);
    }
  }
  return files;
}

function loadPodConfig(): Config {
  const files = mountedFiles();
  return loadConfig(resolved, {
    readFile: (path) => {
      const text = files.get(path);
      if (text === undefined) throw Object.assign(new Error(`${path} is not mounted`), { code: 'ENOENT' });
      return text;
    },
  });
}

const config = loadPodConfig();
const server = config.servers.find((s) => s.name === 'default');

function containerPort(ref: string | number): number {
  if (typeof ref === 'number') return ref;
  const port = container.ports?.find((p) => p.name === ref);
  assert.ok(port, `a container port is named ${ref}`);
  return port.containerPort;
}

function preStopSeconds(): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  assert.equal(command[0], 'sleep', 'preStop sleeps (an image without a shell still has coreutils sleep)');
  return Number(command[1]);
}

// ---------------------------------------------------------------- tests

describe('deploy/kubernetes manifests', () => {
  test('kustomization lists every manifest; the six kinds are present', () => {
    const kustomization = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Manifest;
    const listed = new Set(kustomization.resources);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual([...listed].sort(), files.sort());
    assert.deepEqual([...manifests.keys()].sort(), [
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  test('every env var is one the config loader reads, or a helper only used through $(NAME) in one', () => {
    const known = configEnvNames();
    const helpers = env.filter((v) => !known.has(v.name)).map((v) => v.name);
    const configValues = env.filter((v) => known.has(v.name) && v.value !== undefined).map((v) => v.value!);
    for (const helper of helpers) {
      assert.ok(
        configValues.some((value) => value.includes(`$(${helper})`)),
        `${helper} is not a gateway setting and no gateway setting uses it`,
      );
    }
    assert.deepEqual(helpers.sort(), ['FTP_USERINFO', 'POD_IP']);
    assert.equal(container.envFrom, undefined, 'no bulk envFrom: every variable is named and checked here');
  });

  test('credentials come only from the Secret; nothing secret sits in a literal value or the ConfigMap', () => {
    const fromSecret = env
      .filter((v) => v.valueFrom?.secretKeyRef)
      .map((v) => v.name)
      .sort();
    assert.deepEqual(fromSecret, ['API_KEYS', 'FTP_USERINFO']);
    const ftpUrl = env.find((v) => v.name === 'FTP_URL')?.value ?? '';
    assert.match(ftpUrl, /^ftps?:\/\/\$\(FTP_USERINFO\)@/, 'FTP_URL takes its user and password from the Secret');
    assert.doesNotMatch(JSON.stringify(configMap.data), /apiKeys|password|ftps?:\/\/[^@/]*@/i);
  });

  test('the ConfigMap file is a valid config file (strict schema: no unknown keys)', () => {
    const files = mountedFiles();
    const configFile = resolved.CONFIG_FILE;
    assert.ok(configFile !== undefined && files.has(configFile), 'CONFIG_FILE points into the mounted ConfigMap');
    const parsed = configFileSchema.safeParse(parseAllDocuments(files.get(configFile)!)[0]!.toJS());
    assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  });

  test('the pod’s env and config load: HTTP port, API keys, the default server with the pod IP for active mode', () => {
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, containerPort('http'));
    assert.ok(config.auth.apiKeys.length > 0, 'a non-loopback HOST needs API keys');
    assert.ok(server, 'FTP_URL defines the default server');
    assert.equal(server.activeAddress, POD_IP, 'EPRT/PORT advertise the pod IP from the downward API');
    assert.notEqual(server.activePorts, null, 'a fixed activePorts range');
    assert.notEqual(server.mode, 'passive', 'active mode is reachable (active or auto)');
  });

  test('every active-mode port is declared as a TCP container port', () => {
    const [lo, hi] = server!.activePorts!;
    const declared = new Set((container.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort));
    for (let port = lo; port <= hi; port++) assert.ok(declared.has(port), `containerPort ${port}`);
    // Each pooled session has at most one data connection: the range must cover the pool.
    assert.ok(hi - lo + 1 >= server!.pool.max, 'activePorts covers pool.max concurrent transfers');
  });

  test('probes: readiness on /readyz, liveness on /healthz, on the HTTP port; readiness outlasts the 5 s server check', () => {
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      if (probe === undefined) continue;
      assert.equal(containerPort(probe.httpGet!.port), config.port);
    }
    assert.ok((container.readinessProbe?.timeoutSeconds ?? 1) > 5);
  });

  test('shutdown: preStop sleep, then a grace period longer than preStop + shutdownGraceMs', () => {
    const preStop = preStopSeconds();
    assert.ok(preStop > 0);
    const grace = pod.terminationGracePeriodSeconds;
    assert.ok(grace !== undefined);
    assert.ok(grace * 1000 > preStop * 1000 + config.shutdownGraceMs, `${grace}s > ${preStop}s + ${config.shutdownGraceMs}ms`);
  });

  test('security: non-root, no privilege escalation, no capabilities, read-only root filesystem', () => {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0);
    const sc = container.securityContext;
    assert.equal(sc?.readOnlyRootFilesystem, true);
    assert.equal(sc?.allowPrivilegeEscalation, false);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
    assert.equal(sc?.capabilities?.add, undefined);
    // Only read-only mounts, or an emptyDir at /tmp (none needed today: the gateway writes no files).
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.volumes!.find((v) => v.name === mount.name)!;
      assert.ok(mount.readOnly === true || (volume.emptyDir !== undefined && mount.mountPath === '/tmp'), mount.mountPath);
    }
  });

  test('resources: CPU and memory requests, a memory limit above the request', () => {
    const mib = (q: string | undefined): number => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q ?? '');
      assert.ok(m, `memory quantity ${q}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    assert.ok(container.resources?.requests?.cpu);
    const request = mib(container.resources?.requests?.memory);
    const limit = mib(container.resources?.limits?.memory);
    assert.ok(limit >= request);
    // Measured idle RSS of the gateway is ~89 MB: a request below that would be a lie to the scheduler.
    assert.ok(request >= 96);
  });

  test('Service, HPA and PDB select and target the Deployment’s pods', () => {
    const labels = podTemplate.metadata.labels;
    const matches = (selector: Record<string, string> | undefined): boolean =>
      selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
    const service = get('Service').spec as { selector: Record<string, string>; ports: Array<{ targetPort: string | number }> };
    assert.ok(matches(service.selector));
    assert.ok(matches((deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels));
    for (const p of service.ports) assert.equal(containerPort(p.targetPort), config.port);
    const pdb = get('PodDisruptionBudget').spec as {
      selector: { matchLabels: Record<string, string> };
      maxUnavailable?: number;
      minAvailable?: number;
    };
    assert.ok(matches(pdb.selector.matchLabels));
    const hpa = get('HorizontalPodAutoscaler').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
    assert.deepEqual([hpa.scaleTargetRef.kind, hpa.scaleTargetRef.name], ['Deployment', deployment.metadata.name]);
    // With one pod allowed down, at least one more keeps serving.
    assert.ok(hpa.minReplicas >= 2 && pdb.maxUnavailable === 1);
  });

  test('FTP session budget: (maxReplicas + maxSurge) × pool.max stays within the declared per-account limit', () => {
    const hpa = get('HorizontalPodAutoscaler');
    const limit = Number(hpa.metadata.annotations?.['ftp-gateway/ftp-session-limit']);
    assert.ok(Number.isInteger(limit) && limit > 0, 'hpa.yaml declares ftp-gateway/ftp-session-limit');
    const maxReplicas = (hpa.spec as { maxReplicas: number }).maxReplicas;
    const surge = (deployment.spec as { strategy: { rollingUpdate: { maxSurge: number } } }).strategy.rollingUpdate.maxSurge;
    assert.equal(typeof surge, 'number', 'maxSurge as a pod count, so the budget is exact');
    const total = config.servers.reduce((n, s) => n + s.pool.max, 0);
    assert.ok((maxReplicas + surge) * total <= limit, `(${maxReplicas} + ${surge}) × ${total} ≤ ${limit}`);
  });
});
