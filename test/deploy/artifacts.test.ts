// What deploy/ ships is checked against its schemas: Kubernetes manifests with the kubernetes-models
// validators (ServiceMonitor and the alert rules with the Prometheus Operator's models), the embedded
// relais.yaml against Relais's own schema, and every metric the dashboard and alert rules use against
// the names the gateway exports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments, parse } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parseConfig } from '../../src/config/load.js';
import { createGatewayMetrics } from '../../src/telemetry/metrics.js';

const dir = new URL('../../deploy/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, dir), 'utf8');

interface Validatable {
  validate(): void;
}
const models: Record<string, new (data: never) => Validatable> = {
  ConfigMap,
  Secret,
  Service,
  Deployment,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  ServiceMonitor,
};

describe('deploy/kubernetes', () => {
  const files = readdirSync(new URL('kubernetes/', dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const docs = files.flatMap((f) => parseAllDocuments(read(`kubernetes/${f}`)).map((d) => ({ file: f, obj: d.toJS() as { kind: string; metadata: { name: string } } })));

  it('every manifest validates against its Kubernetes schema', () => {
    const kinds = new Set<string>();
    for (const { file, obj } of docs) {
      const Model = models[obj.kind];
      assert.ok(Model, `${file}: no schema for kind ${obj.kind}`);
      new Model(obj as never).validate();
      kinds.add(obj.kind);
    }
    assert.deepEqual([...kinds].sort(), Object.keys(models).sort());
  });

  it('the kustomization lists every manifest but the example Secret', () => {
    const k = parse(read('kubernetes/kustomization.yaml')) as { resources: string[] };
    assert.deepEqual([...k.resources].sort(), files.filter((f) => f !== 'secret.example.yaml').sort());
  });

  it('the Deployment probes /health/ready and /health/live, runs non-root on a read-only root, and gets every variable its config uses', () => {
    const d = docs.find((x) => x.obj.kind === 'Deployment')?.obj as unknown as { spec: { template: { spec: { containers: { readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } }; securityContext: { readOnlyRootFilesystem: boolean }; env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[]; securityContext: { runAsNonRoot: boolean } } } } };
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.ok(c);
    assert.equal(c.readinessProbe.httpGet.path, '/health/ready');
    assert.equal(c.livenessProbe.httpGet.path, '/health/live');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const secretKeys = Object.keys((parse(read('kubernetes/secret.example.yaml')) as { stringData: Record<string, string> }).stringData);
    for (const e of c.env) if (e.valueFrom?.secretKeyRef) assert.ok(secretKeys.includes(e.valueFrom.secretKeyRef.key), e.name);
    // The ConfigMap's relais.yaml is valid Relais configuration once the environment is filled.
    const cm = docs.find((x) => x.obj.kind === 'ConfigMap')?.obj as unknown as { data: Record<string, string> };
    const text = cm.data['relais.yaml'] ?? '';
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.name.endsWith('_URL') ? (e.name.includes('REDIS') ? 'redis://redis:6379' : 'postgres://db/relais') : 'x']));
    for (const v of text.matchAll(/\$\{([A-Z0-9_]+)(:-[^}]*)?\}/g)) assert.ok(v[2] !== undefined || v[1] as string in env, `relais.yaml uses ${v[1]}, which the Deployment does not set`);
    const config = parseConfig(text, 'deploy/kubernetes/configmap.yaml', env);
    assert.equal(config.store?.kind, 'postgres');
    assert.ok(config.redis);
  });
});

describe('deploy/prometheus and deploy/grafana', () => {
  // Every series name the gateway exports, histograms with their _bucket, _sum and _count.
  const exported = new Set<string>();
  for (const m of createGatewayMetrics().registry.render().matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    exported.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s);
  }
  const used = (exprs: string[]): string[] => [...new Set(exprs.flatMap((e) => [...e.matchAll(/\brelais_[a-z0-9_]+/g)].map((m) => m[0])))];

  it('the alert rules are a valid PrometheusRule and use only metrics Relais exports', () => {
    const rules = parse(read('prometheus/relais-alerts.yaml')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    new PrometheusRule({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'relais' }, spec: rules } as never).validate();
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    assert.ok(exprs.length >= 5);
    const names = used(exprs);
    assert.ok(names.length >= 4);
    for (const n of names) assert.ok(exported.has(n), `alert rules use ${n}, which Relais does not export`);
  });

  it('the dashboard uses only metrics Relais exports', () => {
    const dash = JSON.parse(read('grafana/relais-dashboard.json')) as { panels: { targets: { expr: string }[] }[]; templating: { list: { query: string }[] } };
    const exprs = [...dash.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dash.templating.list.map((v) => v.query)];
    const names = used(exprs);
    assert.ok(names.length >= 6);
    for (const n of names) assert.ok(exported.has(n), `the dashboard uses ${n}, which Relais does not export`);
  });
});
