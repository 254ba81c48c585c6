/** Reads deploy/: the compose file, the Dockerfile, the Prometheus alerts and the Grafana dashboard, and the metric names they use. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);

/** The text of a file at the repository's root. */
export function repoFile(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** docker-compose.yml parsed, with YAML merge keys (<<) resolved. */
export function composeFile(): { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> } {
  return parse(repoFile('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
}

/** Every PromQL expression of deploy/prometheus-alerts.yml and deploy/grafana-dashboard.json. */
export function deployExpressions(): string[] {
  const alerts = parse(repoFile('deploy/prometheus-alerts.yml')) as { groups: { rules: { expr: string }[] }[] };
  const dashboard = JSON.parse(repoFile('deploy/grafana-dashboard.json')) as { panels: { targets: { expr: string }[] }[] };
  return [
    ...alerts.groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
  ];
}

/** The imgmod_* metric names the alerts and the dashboard use (as written: histograms with _bucket). */
export function deployMetricNames(): string[] {
  return [...new Set(deployExpressions().flatMap((expr) => expr.match(/\bimgmod_[a-z0-9_]+/g) ?? []))].sort();
}
