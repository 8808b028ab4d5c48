import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/** One PromQL expression of the operator's kit and where it is used. */
export interface OpsExpression {
  where: string;
  expr: string;
}

const OPS = join(__dirname, '..', '..', 'ops');
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads. Strings, label matchers, ranges and grouping label
 * lists are cut out first; what is left that is an identifier, not a function or aggregation
 * (followed by `(`), not a keyword and not a Grafana variable is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$.:])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)) {
    if (!KEYWORDS.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every query of every dashboard in ops/grafana: panel targets (rows included) and variable queries. */
export function dashboardExpressions(): OpsExpression[] {
  const found: OpsExpression[] = [];
  for (const file of readdirSync(join(OPS, 'grafana')).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(OPS, 'grafana', file), 'utf8'));
    const walk = (panels: Panel[] = []) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) if (target.expr) found.push({ where: `${file}: ${panel.title}`, expr: target.expr });
        walk(panel.panels);
      }
    };
    walk(dashboard.panels);
    for (const variable of dashboard.templating?.list ?? []) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      const labelValues = /^label_values\((.*),\s*\w+\)$/.exec(query ?? '');
      if (variable.type === 'query' && labelValues) found.push({ where: `${file}: variable $${variable.name}`, expr: labelValues[1] });
    }
  }
  return found;
}

/** Every rule expression of every rule file in ops/prometheus (the `*.test.yml` unit tests aside). */
export function ruleExpressions(): OpsExpression[] {
  const found: OpsExpression[] = [];
  for (const file of readdirSync(join(OPS, 'prometheus')).filter((f) => f.endsWith('.yml') && !f.endsWith('.test.yml'))) {
    const rules = load(readFileSync(join(OPS, 'prometheus', file), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
    };
    for (const group of rules.groups) {
      for (const rule of group.rules) found.push({ where: `${file}: ${rule.alert ?? rule.record}`, expr: String(rule.expr) });
    }
  }
  return found;
}

/** The names of the samples in a Prometheus text exposition (`foo_bucket`, `foo_count`, …). */
export function sampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}
